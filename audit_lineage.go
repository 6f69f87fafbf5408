package modelvet

import (
	"github.com/modelvet/modelvet/finding"
	"github.com/modelvet/modelvet/report"
)

// lineage reports the audited model and the bases it declares.
func (s *audit) lineage() {
	s.rep.Lineage = append(s.rep.Lineage, report.LineageNode{Model: s.rel.Name, Confidence: finding.Declared})
	card := s.rel.Card
	if card == nil {
		return
	}
	rel := card.BaseModelRelation.Value
	if rel == "" {
		rel = "finetune"
	}
	for _, b := range card.BaseModel {
		s.rep.Lineage = append(s.rep.Lineage, report.LineageNode{
			Model:      b.Value,
			Relation:   rel,
			Parent:     s.rel.Name,
			Depth:      1,
			Confidence: finding.Declared,
			Evidence:   []finding.Evidence{card.Evidence("base_model", b)},
		})
	}
}
