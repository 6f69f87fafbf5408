package modelvet

import (
	"slices"

	"github.com/modelvet/modelvet/manifest"
	"github.com/modelvet/modelvet/report"
)

// describeSubject fills in what the release declares about the model
// itself: its task, architectures and datasets, for the report's subject
// (the ML-BOM's model card reads them).
func describeSubject(sub *report.Subject, rel *manifest.Release) {
	if c := rel.Card; c != nil {
		sub.Task = c.PipelineTag.Value
		for _, d := range c.Datasets {
			sub.Datasets = append(sub.Datasets, d.Value)
		}
	}
	if c := rel.Config; c != nil {
		sub.Architectures = append(sub.Architectures, c.Architectures...)
	}
	slices.Sort(sub.Datasets)
	sub.Datasets = slices.Compact(sub.Datasets)
}
