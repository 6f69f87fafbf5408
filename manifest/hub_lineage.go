package manifest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/limits"
)

// ModelInfoFetcher fetches what the Hub says about a model. *HubSource and
// *hub.Client implement it; lineage code takes it as a plain interface, so
// it never depends on HTTP, and tests can supply records of their own.
type ModelInfoFetcher interface {
	ModelInfo(ctx context.Context, id string) (*hub.ModelInfo, error)
}

var _ ModelInfoFetcher = (*hub.Client)(nil)

// HubAncestor is one model reached by following base_model on the Hub, with
// what its record says about its origin and licence.
type HubAncestor struct {
	ID string `json:"id"`
	// Parent is the model that names ID as its base; Relation is the
	// parent's base_model_relation ("" when it does not say).
	Parent   string `json:"parent"`
	Relation string `json:"relation,omitempty"`
	// Depth is 1 for the bases of the model lineage started from.
	Depth int `json:"depth"`

	Author      string   `json:"author,omitempty"`
	SHA         string   `json:"sha,omitempty"`
	License     []string `json:"license,omitempty"`
	LicenseName string   `json:"license_name,omitempty"`
	LicenseLink string   `json:"license_link,omitempty"`
	Gated       string   `json:"gated,omitempty"`
	Private     bool     `json:"private,omitempty"`
	// BaseModel lists the model's own bases, as its record declares, and
	// BaseModelRelation how it derives from them ("" when it does not say).
	BaseModel         []string `json:"base_model,omitempty"`
	BaseModelRelation string   `json:"base_model_relation,omitempty"`
	Datasets          []string `json:"datasets,omitempty"`

	// Err says why the record could not be fetched (not found, gated, a
	// cap reached); the fields above are then empty. Error is its text.
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
}

// HubLineage follows base_model on the Hub from the bases a model declares
// (child is that model's id or name; relation its base_model_relation),
// breadth first, to maxDepth levels (at most limits.MaxLineageDepth; 0 for
// that) and at most limits.MaxLineageNodes models. Each model is visited
// once, so cycles and diamonds end where they meet a model already seen.
// Records that cannot be fetched are returned with Err set; the error
// reports only a cancelled context.
func HubLineage(ctx context.Context, f ModelInfoFetcher, child string, bases []string, relation string, maxDepth int) ([]HubAncestor, error) {
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
	var out []HubAncestor
	for len(queue) > 0 && len(out) < limits.MaxLineageNodes {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		e := queue[0]
		queue = queue[1:]

		a := HubAncestor{ID: e.id, Parent: e.parent, Relation: e.relation, Depth: e.depth}
		if err := hub.CheckID(e.id); err != nil {
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
		a.Author, a.SHA, a.Gated, a.Private = info.Author, info.SHA, info.Gated, info.Private
		a.License, a.LicenseName, a.LicenseLink = slices.Clone(info.License), info.LicenseName, info.LicenseLink
		a.BaseModel, a.Datasets = slices.Clone(info.BaseModel), slices.Clone(info.Datasets)
		a.BaseModelRelation = info.BaseModelRelation
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
