package kb

// datasets.yaml is generated from the Data Provenance Initiative summaries
// and the restricted-datasets research table, which sit beside the module
// in ../shared when the knowledge base is rebuilt.
//go:generate go run ../internal/kbgen -dpi ../../shared/corpus/data-provenance -csv ../../shared/research/restricted-datasets.csv -out data/datasets.yaml
