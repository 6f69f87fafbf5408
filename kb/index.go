package kb

import (
	"strings"
	"unicode"
)

// index holds lookups built once from a KB.
type index struct {
	licenses    map[string]*License
	looseNames  map[string]*License
	licenseURLs map[string]*License
	orgs        map[string]*Organization
	models      map[string]*Model
	datasets    map[string]*Dataset
	prov        *provIndex // provenance lookups, see provenance_index.go
}

// Normalize folds an id or name for lookups: lower case, trimmed, with
// "_" and " " read as "-".
func Normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer("_", "-", " ", "-").Replace(s)
}

func (k *KB) idx() *index {
	k.indexOnce.Do(func() {
		ix := &index{
			licenses:    map[string]*License{},
			looseNames:  map[string]*License{},
			licenseURLs: map[string]*License{},
			orgs:        map[string]*Organization{},
			models:      map[string]*Model{},
			datasets:    map[string]*Dataset{},
		}
		// Names first, then aliases, SPDX ids and ids, so that an id always
		// wins over another record's name or alias.
		for _, l := range k.Licenses {
			if l.Name != "" {
				ix.licenses[Normalize(l.Name)] = l
			}
		}
		for _, l := range k.Licenses {
			for _, n := range l.Aliases {
				ix.licenses[Normalize(n)] = l
			}
		}
		for _, l := range k.Licenses {
			for _, n := range []string{l.SPDX, l.ID} {
				if n != "" {
					ix.licenses[Normalize(n)] = l
				}
			}
			for _, n := range append([]string{l.ID, l.SPDX, l.Name}, l.Aliases...) {
				if key := LooseKey(n); key != "" {
					if _, dup := ix.looseNames[key]; !dup {
						ix.looseNames[key] = l
					}
				}
			}
			for _, u := range l.URLs {
				if n := NormalizeURL(u); n != "" {
					ix.licenseURLs[n] = l
				}
			}
		}
		for _, o := range k.Organizations {
			for _, n := range append([]string{o.ID}, o.Aliases...) {
				ix.orgs[Normalize(n)] = o
			}
		}
		for _, m := range k.Models {
			for _, n := range append([]string{m.ID}, m.Aliases...) {
				ix.models[Normalize(n)] = m
			}
		}
		for _, d := range k.Datasets {
			for _, n := range append([]string{d.ID}, d.Aliases...) {
				ix.datasets[Normalize(n)] = d
			}
		}
		ix.prov = buildProvIndex(k)
		k.index = ix
	})
	return k.index
}

// License finds a licence by id, SPDX id, alias or name: exactly (after
// Normalize), else ignoring punctuation (after LooseKey), so that "Apache
// License (Version 2.0)" finds the alias "Apache License, Version 2.0".
func (k *KB) License(id string) *License {
	ix := k.idx()
	if l := ix.licenses[Normalize(id)]; l != nil {
		return l
	}
	if key := LooseKey(id); key != "" {
		return ix.looseNames[key]
	}
	return nil
}

// LooseKey folds a licence name for lookups that ignore punctuation: lower
// case, every run of characters other than letters, digits, "." and "+"
// read as one "-".
func LooseKey(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '+' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return strings.Trim(b.String(), ".")
}

// LicenseByURL finds a licence by the address of a page that holds it
// (compared after NormalizeURL).
func (k *KB) LicenseByURL(u string) *License {
	n := NormalizeURL(u)
	if n == "" {
		return nil
	}
	return k.idx().licenseURLs[n]
}

// LicenseForModel finds the licence whose Models patterns match a model id,
// or nil. The first matching record in knowledge-base order wins.
func (k *KB) LicenseForModel(model string) *License {
	for _, l := range k.Licenses {
		if l.MatchesModel(model) {
			return l
		}
	}
	return nil
}

// NormalizeURL folds a licence address for lookups: no scheme, no "www.",
// no query, fragment or trailing slash, lower case, and Hugging Face file
// views ("/blob/<rev>/", "/resolve/<rev>/", "/raw/<rev>/") read as one.
// It returns "" for text that is not an http(s) address or a bare host
// path.
func NormalizeURL(u string) string {
	s := strings.ToLower(strings.TrimSpace(u))
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	switch {
	case strings.HasPrefix(s, "https://"):
		s = s[len("https://"):]
	case strings.HasPrefix(s, "http://"):
		s = s[len("http://"):]
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimPrefix(s, "www.")
	s = strings.TrimRight(s, "/.),;")
	host, rest, _ := strings.Cut(s, "/")
	if !strings.Contains(host, ".") || strings.ContainsAny(host, " \t\n") {
		return ""
	}
	if host == "huggingface.co" || host == "hf.co" {
		host = "huggingface.co"
		parts := strings.Split(rest, "/")
		// org/name/{blob,resolve,raw}/rev/file → org/name/file
		if len(parts) >= 5 && (parts[2] == "blob" || parts[2] == "resolve" || parts[2] == "raw") {
			parts = append(parts[:2], parts[4:]...)
		}
		rest = strings.Join(parts, "/")
	}
	if rest == "" {
		return host
	}
	return host + "/" + rest
}

// Organization finds a developer by organisation id or alias.
func (k *KB) Organization(id string) *Organization { return k.idx().orgs[Normalize(id)] }

// Model finds a model by Hugging Face id or alias.
func (k *KB) Model(id string) *Model { return k.idx().models[Normalize(id)] }

// Dataset finds a dataset by Hugging Face id or alias.
func (k *KB) Dataset(id string) *Dataset { return k.idx().datasets[Normalize(id)] }
