package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

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

// AncestorOptions bound a walk of base_model ancestors.
type AncestorOptions struct {
	// MaxDepth is how many levels of bases are followed (at most, and by
	// default, limits.MaxLineageDepth).
	MaxDepth int
	// Concurrency bounds the records fetched at once (default
	// DefaultAncestorConcurrency, at most MaxConcurrency).
	Concurrency int
}

// DefaultAncestorConcurrency is the default of AncestorOptions.Concurrency.
const DefaultAncestorConcurrency = 8

// Walk is what a walk of base_model ancestors found.
type Walk struct {
	// Ancestors lists the models visited, breadth first, in the order
	// their parents name them; those whose record could not be fetched
	// have Err set.
	Ancestors []Ancestor
	// Unfollowed counts the bases that records read name but the walk did
	// not look up: past MaxDepth, or past limits.MaxLineageNodes models.
	Unfollowed int
}

// Ancestors follows base_model on the Hub from the bases a model declares
// (child is that model's id or name; relation its base_model_relation),
// breadth first, to opts.MaxDepth levels and at most
// limits.MaxLineageNodes models. The records of one level are fetched
// concurrently (opts.Concurrency), within the fetcher's own budgets; the
// result does not depend on the order they arrive in. Each model is
// visited once, so cycles and diamonds end where they meet a model already
// seen. Records that cannot be fetched are returned with Err set; the
// error reports only a cancelled context.
func Ancestors(ctx context.Context, f ModelInfoFetcher, child string, bases []string, relation string, opts AncestorOptions) (Walk, error) {
	maxDepth := opts.MaxDepth
	if maxDepth <= 0 || maxDepth > limits.MaxLineageDepth {
		maxDepth = limits.MaxLineageDepth
	}
	workers := opts.Concurrency
	if workers <= 0 {
		workers = DefaultAncestorConcurrency
	}
	workers = min(workers, MaxConcurrency)
	seen := map[string]bool{strings.ToLower(child): true}
	var w Walk
	// next adds the bases a model names that were not met before to level.
	next := func(level []Ancestor, parent, relation string, depth int, ids []string) []Ancestor {
		for _, id := range ids {
			id = normalizeBase(id)
			key := strings.ToLower(id)
			if id == "" || seen[key] {
				continue
			}
			seen[key] = true
			if depth > maxDepth {
				w.Unfollowed++
				continue
			}
			level = append(level, Ancestor{ModelInfo: ModelInfo{ID: id}, Parent: parent, Relation: relation, Depth: depth})
		}
		return level
	}
	level := next(nil, child, relation, 1, bases)
	for len(level) > 0 {
		if room := limits.MaxLineageNodes - len(w.Ancestors); len(level) > room {
			w.Unfollowed += len(level) - room
			level = level[:room]
		}
		fetchLevel(ctx, f, level, workers)
		if err := ctx.Err(); err != nil {
			return w, err
		}
		var below []Ancestor
		for _, a := range level {
			if a.Err == nil {
				below = next(below, a.ID, a.BaseModelRelation, a.Depth+1, a.BaseModel)
			}
		}
		w.Ancestors = append(w.Ancestors, level...)
		level = below
	}
	for i := range w.Ancestors {
		if a := &w.Ancestors[i]; a.Err != nil {
			a.Error = a.Err.Error()
		}
	}
	return w, nil
}

// fetchLevel fills in the record of each ancestor of one level, at most
// workers at once.
func fetchLevel(ctx context.Context, f ModelInfoFetcher, level []Ancestor, workers int) {
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := range level {
		a := &level[i]
		if err := CheckID(a.ID); err != nil {
			a.Err = fmt.Errorf("%q is not a Hub model id", a.ID)
			continue
		}
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			info, err := f.ModelInfo(ctx, a.ID)
			switch {
			case err != nil:
				a.Err = err
			case info == nil:
				a.Err = errors.New("no record")
			default:
				id := a.ID
				a.ModelInfo = info.Summary()
				a.ID = id
			}
		}()
	}
	wg.Wait()
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
