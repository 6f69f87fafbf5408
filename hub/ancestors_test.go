package hub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/hubtest"
)

// lineageRepos is a fake Hub of records naming bases: a chain that loops
// back to its start, and a diamond whose bottom is private.
func lineageRepos() []*hubtest.Repo {
	card := func(license string, bases ...string) map[string]any {
		m := map[string]any{"license": license}
		if len(bases) > 0 {
			m["base_model"] = bases
		}
		return m
	}
	return []*hubtest.Repo{
		{ID: "acme/chat", CardData: card("apache-2.0", "acme/base"), Files: []*hubtest.File{{Path: "README.md", Data: []byte("x")}}},
		{ID: "acme/base", CardData: map[string]any{"license": "other", "license_name": "acme-license", "base_model": "meta/llama", "base_model_relation": "merge"}},
		{ID: "meta/llama", Author: "meta", Gated: "manual", CardData: card("llama3.1", "acme/chat")}, // a cycle back to the start
		{ID: "x/a", CardData: card("mit", "x/b", "x/c")},
		{ID: "x/b", CardData: card("mit", "x/d")},
		{ID: "x/c", CardData: card("mit", "x/d")},
		{ID: "x/d", CardData: card("mit", "x/e")},
		{ID: "x/e", CardData: card("mit", "x/f")},
		{ID: "x/f", Private: true},
	}
}

func TestAncestors(t *testing.T) {
	srv := hubtest.New(t, lineageRepos()...)
	c := newClient(t, srv, Options{})
	ctx := context.Background()
	walk, err := Ancestors(ctx, c, "acme/chat", []string{"acme/base"}, "finetune", AncestorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := walk.Ancestors
	if len(got) != 2 || got[0].ID != "acme/base" || got[0].Relation != "finetune" || got[0].LicenseName != "acme-license" ||
		got[1].ID != "meta/llama" || got[1].Parent != "acme/base" || got[1].Relation != "merge" || got[1].Depth != 2 || got[1].Gated != "manual" || got[1].Author != "meta" ||
		!slices.Equal(got[1].License, []string{"llama3.1"}) || !slices.Equal(got[1].BaseModel, []string{"acme/chat"}) || got[1].Files != nil {
		t.Errorf("lineage = %+v", got)
	}

	walk, err = Ancestors(ctx, c, "local", []string{"x/a", "not a model!", "https://huggingface.co/x/missing/"}, "", AncestorOptions{MaxDepth: 3})
	if err != nil {
		t.Fatal(err)
	}
	got = walk.Ancestors
	if walk.Unfollowed != 1 {
		t.Errorf("%d bases unfollowed, want x/e past depth 3", walk.Unfollowed)
	}
	var ids []string
	for _, a := range got {
		s := fmt.Sprintf("%s<%s@%d", a.ID, a.Parent, a.Depth)
		if a.Err != nil {
			s += "!"
		}
		ids = append(ids, s)
	}
	want := []string{"x/a<local@1", "not a model!<local@1!", "x/missing<local@1!", "x/b<x/a@2", "x/c<x/a@2", "x/d<x/b@3"}
	if !slices.Equal(ids, want) {
		t.Errorf("lineage = %q, want %q", ids, want)
	}
	if !errors.Is(got[2].Err, ErrNotFound) || !strings.Contains(got[2].Error, "not found") {
		t.Errorf("missing model error: %v", got[2].Err)
	}
	// Records are cached: a second walk makes no request.
	n := srv.RequestCount()
	Ancestors(ctx, c, "local", []string{"x/a"}, "", AncestorOptions{MaxDepth: 3})
	if srv.RequestCount() != n {
		t.Error("records fetched twice")
	}
	// The depth is bounded.
	if w, err := Ancestors(ctx, c, "acme/chat", []string{"acme/base"}, "", AncestorOptions{MaxDepth: 1}); err != nil || len(w.Ancestors) != 1 || w.Unfollowed != 1 {
		t.Errorf("depth 1: %+v %v", w, err)
	}

	// Offline: every record fails with ErrOffline.
	off := newClient(t, srv, Options{Offline: true})
	walk, _ = Ancestors(ctx, off, "acme/chat", []string{"acme/base"}, "", AncestorOptions{})
	if len(walk.Ancestors) != 1 || !errors.Is(walk.Ancestors[0].Err, ErrOffline) {
		t.Errorf("offline lineage = %+v", walk)
	}
	// A cancelled walk returns the context's error.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Ancestors(cancelled, newClient(t, srv, Options{}), "acme/chat", []string{"acme/base"}, "", AncestorOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled walk: %v", err)
	}
}
