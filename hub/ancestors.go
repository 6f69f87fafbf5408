package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
)

// ModelInfoFetcher fetches what the Hub says about a model. *Client
// implements it; Ancestors takes it as a plain interface, so that records
// may come from elsewhere (a cache, a test).
type ModelInfoFetcher interface {
	ModelInfo(ctx context.Context, id string) (*ModelInfo, error)
}

var _ ModelInfoFetcher = (*Client)(nil)

// Ancestor is one model reached by following base_model on the Hub, with
// what its record says about its origin, licence and own bases.
type Ancestor struct {
	// ModelInfo is the model's record at its default branch, without its
	// file listing (ModelInfo.Summary), but with the id its child names it
	// by. Only the id is set when the record could not be fetched.
	ModelInfo
	// Parent is the model that names ID as its base; Relation is the
	// parent's base_model_relation ("" when it does not say).
	Parent   string `json:"parent"`
	Relation string `json:"relation,omitempty"`
	// Depth is 1 for the bases of the model lineage started from.
	Depth int `json:"depth"`

	// Err says why the record could not be fetched (not found, gated, a
	// cap reached). Error is its text.
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
}

// Ancestors follows base_model on the Hub from the bases a model declares
// (child is that model's id or name; relation its base_model_relation),
// breadth first, to maxDepth levels (at most limits.MaxLineageDepth; 0 for
// that) and at most limits.MaxLineageNodes models. Each model is visited
// once, so cycles and diamonds end where they meet a model already seen.
// Records that cannot be fetched are returned with Err set; the error
// reports only a cancelled context.
func Ancestors(ctx context.Context, f ModelInfoFetcher, child string, bases []string, relation string, maxDepth int) ([]Ancestor, error) {
	if maxDepth <= 0 || maxDepth > limits.MaxLineageDepth {
		maxDepth = limits.MaxLineageDepth
	}
	type edge struct {
		id, parent, relation string
		depth                int
	}
	seen := map[string]bool{strings.ToLower(child): true}
	var queue []edge
	push := func(parent, relation string, depth int, ids []string) {
		for _, id := range ids {
			id = normalizeBase(id)
			key := strings.ToLower(id)
			if id == "" || seen[key] {
				continue
			}
			seen[key] = true
			queue = append(queue, edge{id: id, parent: parent, relation: relation, depth: depth})
		}
	}
	push(child, relation, 1, bases)
	var out []Ancestor
	for len(queue) > 0 && len(out) < limits.MaxLineageNodes {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		e := queue[0]
		queue = queue[1:]

		a := Ancestor{ModelInfo: ModelInfo{ID: e.id}, Parent: e.parent, Relation: e.relation, Depth: e.depth}
		if err := CheckID(e.id); err != nil {
			a.Err = fmt.Errorf("%q is not a Hub model id", e.id)
			out = append(out, a)
			continue
		}
		info, err := f.ModelInfo(ctx, e.id)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			a.Err = err
			out = append(out, a)
			continue
		}
		if info == nil {
			a.Err = errors.New("no record")
			out = append(out, a)
			continue
		}
		a.ModelInfo = info.Summary()
		a.ID = e.id
		out = append(out, a)
		if e.depth < maxDepth {
			push(e.id, info.BaseModelRelation, e.depth+1, info.BaseModel)
		}
	}
	for i := range out {
		if out[i].Err != nil {
			out[i].Error = out[i].Err.Error()
		}
	}
	return out, nil
}

// normalizeBase turns a base_model value into a repository id: it trims
// spaces and a "https://huggingface.co/" prefix, which cards sometimes use.
func normalizeBase(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range []string{"https://huggingface.co/", "http://huggingface.co/", "hf:"} {
		s = strings.TrimPrefix(s, p)
	}
	return strings.TrimSuffix(s, "/")
}
