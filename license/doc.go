// Package license identifies the licences of a model release from every
// place they are declared (card fields, SPDX expressions in GGUF metadata,
// licence files, Ollama licence layers, licence sections of the card),
// explains their terms from the knowledge base, and checks that sources
// agree and that derivatives honour the licences of their bases.
//
// It returns facts and findings without severities; the root package
// modelvet applies policy.
package license
