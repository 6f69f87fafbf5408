package kb

// datasets.yaml is generated from the Data Provenance Initiative summaries
// and the restricted-datasets research table, which sit beside the module
// in ../shared when the knowledge base is rebuilt.
//go:generate go run ../internal/kbgen -dpi ../../shared/corpus/data-provenance -csv ../../shared/research/restricted-datasets.csv -out data/datasets.yaml

// Then the compiled form the binary embeds (compiled.go), from every YAML
// file of data/; run it after any change to them.
//go:generate go test -run ^TestCompiled$ . -args -update
