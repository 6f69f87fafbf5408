package manifest

import (
	"context"
	"slices"
)

// HubListing fetches, with one API request, the files the Hub lists for
// ref ("ORG/NAME[@REV]") with the size and digest it publishes for each:
// the LFS sha256 of files in LFS, the git blob id of the others. The
// HubInfo says which commit the revision resolved to.
func HubListing(ctx context.Context, ref string, opts HubOptions) (*HubInfo, map[string][]Expectation, []*Problem, error) {
	s, err := Hub(ref, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	rel, err := s.listed(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	exp := make(map[string][]Expectation, len(rel.Files))
	for _, f := range rel.Files {
		exp[f.Path] = f.Expected
	}
	rel.Hub.Requests, rel.Hub.Bytes = s.c.Usage()
	return rel.Hub, exp, rel.Problems, nil
}

// WithHubDigests returns a Source that opens src and then adds to each of
// its files the size and digest the Hub lists for the same path in ref, so
// that files downloaded from the Hub can be verified against the Hub's
// own LFS digests when they are hashed. The release's Hub field records the
// listing (its commit, and in Unmatched the listed files src lacks). A
// failure to fetch the listing fails Open.
func WithHubDigests(src Source, ref string, opts HubOptions) Source {
	return hubDigests{src: src, ref: ref, opts: opts}
}

type hubDigests struct {
	src  Source
	ref  string
	opts HubOptions
}

func (h hubDigests) String() string { return h.src.String() }

func (h hubDigests) Open(ctx context.Context) (*Release, error) {
	rel, err := h.src.Open(ctx)
	if err != nil {
		return nil, err
	}
	info, exp, problems, err := HubListing(ctx, h.ref, h.opts)
	if err != nil {
		return nil, err
	}
	for _, f := range rel.Files {
		for _, e := range exp[f.Path] {
			if !slices.Contains(f.Expected, e) {
				f.Expected = append(f.Expected, e)
			}
		}
	}
	for p := range exp {
		if rel.File(p) == nil {
			info.Unmatched = append(info.Unmatched, p)
		}
	}
	slices.Sort(info.Unmatched)
	if rel.Hub == nil {
		rel.Hub = info
	}
	if rel.Repo == "" {
		rel.Repo = info.ID
	}
	rel.Problems = append(rel.Problems, problems...)
	return rel, nil
}
