// Package hub is a client of the Hugging Face Hub. It names repositories
// ([Ref], [ParseRef]), reads the model API's record of a repository
// ([ModelInfo], [ParseModelInfo]) and reads its files with HTTP range
// requests ([Reader], an [io.ReaderAt] over a cache of the spans
// fetched). The [Client] does the HTTP: the token sent to the endpoint's
// host only, redirects followed by the client itself, retries with
// backoff and Retry-After, per-request timeouts, caps on requests and
// bytes, the HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE environment, and
// typed errors ([Error], [ErrNotFound], [ErrAccess], …). It knows nothing
// of the releases and findings built from what it fetches.
package hub
