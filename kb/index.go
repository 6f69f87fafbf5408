package kb

import "strings"

// index holds lookups built once from a KB.
type index struct {
	licenses map[string]*License
	orgs     map[string]*Organization
	models   map[string]*Model
	datasets map[string]*Dataset
	prov     *provIndex // provenance lookups, see provenance_index.go
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
			licenses: map[string]*License{},
			orgs:     map[string]*Organization{},
			models:   map[string]*Model{},
			datasets: map[string]*Dataset{},
		}
		for _, l := range k.Licenses {
			for _, n := range append([]string{l.ID, l.SPDX}, l.Aliases...) {
				if n != "" {
					ix.licenses[Normalize(n)] = l
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

// License finds a licence by id, SPDX id or alias.
func (k *KB) License(id string) *License { return k.idx().licenses[Normalize(id)] }

// Organization finds a developer by organisation id or alias.
func (k *KB) Organization(id string) *Organization { return k.idx().orgs[Normalize(id)] }

// Model finds a model by Hugging Face id or alias.
func (k *KB) Model(id string) *Model { return k.idx().models[Normalize(id)] }

// Dataset finds a dataset by Hugging Face id or alias.
func (k *KB) Dataset(id string) *Dataset { return k.idx().datasets[Normalize(id)] }
