package hub

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ref names a Hub model repository and, optionally, a revision (a branch,
// a tag, a commit or a ref such as refs/pr/1).
type Ref struct {
	ID       string
	Revision string
}

// String returns "ID" or "ID@REVISION".
func (r Ref) String() string {
	if r.Revision == "" {
		return r.ID
	}
	return r.ID + "@" + r.Revision
}

// ParseRef parses "ORG/NAME[@REV]" (an "hf:" prefix is allowed). The id
// must pass CheckID; the revision must be a plausible git ref.
func ParseRef(s string) (Ref, error) {
	s = strings.TrimPrefix(s, "hf:")
	id, rev, hasRev := strings.Cut(s, "@")
	if err := CheckID(id); err != nil {
		return Ref{}, fmt.Errorf("hf:%s: %w", s, err)
	}
	if hasRev {
		if err := checkRevision(rev); err != nil {
			return Ref{}, fmt.Errorf("hf:%s: %w", s, err)
		}
	}
	return Ref{ID: id, Revision: rev}, nil
}

// CheckID checks a repository id against the Hub's rules: one or two
// names of letters, digits, '-', '_' and '.', not starting or ending with
// '-' or '.', without "--" or "..", at most 96 characters. Legacy ids
// without an organisation are accepted.
func CheckID(id string) error {
	if id == "" {
		return errors.New("no repository id (want ORG/NAME)")
	}
	if len(id) > 96 {
		return errors.New("repository id longer than 96 characters")
	}
	parts := strings.Split(id, "/")
	if len(parts) > 2 {
		return fmt.Errorf("repository id %q has more than one '/' (want ORG/NAME)", id)
	}
	for _, p := range parts {
		if p == "" || strings.Contains(p, "--") || strings.Contains(p, "..") ||
			strings.HasPrefix(p, "-") || strings.HasPrefix(p, ".") || strings.HasSuffix(p, "-") || strings.HasSuffix(p, ".") {
			return fmt.Errorf("repository id %q is not valid on the Hub", id)
		}
		for _, r := range p {
			if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.')) {
				return fmt.Errorf("repository id %q holds a character not allowed on the Hub", id)
			}
		}
	}
	return nil
}

func checkRevision(rev string) error {
	switch {
	case rev == "":
		return errors.New("empty revision after '@'")
	case len(rev) > 256:
		return errors.New("revision longer than 256 characters")
	case strings.Contains(rev, ".."), strings.HasPrefix(rev, "/"), strings.HasSuffix(rev, "/"):
		return fmt.Errorf("revision %q is not a valid git ref", rev)
	case strings.ContainsFunc(rev, func(r rune) bool {
		return r <= ' ' || r == 0x7f || r == '\\' || r == '~' || r == '^' || r == ':' || r == '?' || r == '*' || r == '['
	}):
		return fmt.Errorf("revision %q holds a character not allowed in a git ref", rev)
	}
	return nil
}

// RecordURL is the address of the API record of model id at revision (the
// default branch when revision is "" or "main"), as evidence cites it.
func RecordURL(endpoint, id, revision string) string {
	u := strings.TrimRight(cmp.Or(endpoint, DefaultEndpoint), "/") + "/api/models/" + id
	if revision != "" && revision != DefaultRevision {
		u += "/revision/" + revision
	}
	return u
}
