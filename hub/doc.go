// Package hub is a client of the Hugging Face Hub: it names repositories
// ([Ref], [ParseRef]) and reads the model API's record of a repository
// ([ModelInfo], [ParseModelInfo]): who published it, at which commit,
// whether it is gated, the card metadata the Hub parsed, and its files
// with their sizes and digests. It speaks HTTP and knows nothing of the
// releases and findings built from what it fetches.
package hub
