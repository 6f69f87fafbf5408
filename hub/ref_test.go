package hub

import (
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	good := map[string]Ref{
		"acme/chat-7b":                 {ID: "acme/chat-7b"},
		"hf:acme/chat-7b@v1.0":         {ID: "acme/chat-7b", Revision: "v1.0"},
		"gpt2":                         {ID: "gpt2"},
		"acme/m@refs/pr/1":             {ID: "acme/m", Revision: "refs/pr/1"},
		"Org_1/Model.v2@0123456789abc": {ID: "Org_1/Model.v2", Revision: "0123456789abc"},
	}
	for in, want := range good {
		got, err := ParseRef(in)
		if err != nil || got != want {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if s := "hf:" + got.String(); err == nil && strings.TrimPrefix(s, "hf:") != strings.TrimPrefix(in, "hf:") {
			t.Errorf("ParseRef(%q).String() = %q", in, got.String())
		}
	}
	for _, in := range []string{"", "a/b/c", "acme/", "/x", "acme/x@", "acme/-x", "acme/x.", "acme/a--b", "acme/a..b", "acme/x y", "acme/ünï", "acme/x@a..b", "acme/x@a b", "acme/x@/a", strings.Repeat("a", 97)} {
		if _, err := ParseRef(in); err == nil {
			t.Errorf("ParseRef(%q) succeeded", in)
		}
	}
}
