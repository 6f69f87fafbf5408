// Package hub is a client of the Hugging Face Hub. It speaks HTTP and
// knows nothing of the releases and findings built from what it fetches:
// package manifest adapts it into a source (manifest.Hub) and decides what
// to read of each file.
//
// # What it owns
//
//   - Repository refs: [Ref], [ParseRef] ("ORG/NAME[@REV]") and [CheckID]
//     (the Hub's rules for ids).
//   - The model API's record of a repository: [ModelInfo] with its files
//     ([File], [LFS]), read by [ParseModelInfo], which cuts long strings
//     and lists and drops odd fields rather than trusting them.
//   - The [Client] ([NewClient] with [Options]): the token, redirects,
//     retries, timeouts, caps on requests and bytes, the HF_ENDPOINT,
//     HF_TOKEN and HF_HUB_OFFLINE environment, and typed errors ([Error],
//     whose Kind is one of [ErrNotFound], [ErrAccess], [ErrGated],
//     [ErrRateLimited], [ErrUnavailable], [ErrResponse], [ErrBudget],
//     [ErrReadLimit], [ErrOffline]).
//   - Ranged reads of a file ([Client.NewReader]): a [Reader] is an
//     [io.ReaderAt] over a cache of the spans fetched, with read-ahead for
//     sequential reads, that never fetches past the end or over the byte
//     budget its [Limits] set.
//   - The walk of base_model ancestors through API records ([Ancestors],
//     [AncestorOptions], [Walk], [Ancestor]) through any
//     [ModelInfoFetcher], a level at a time, concurrently.
//
// # Usage
//
//	c, err := hub.NewClient(hub.Options{}) // HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE
//	if err != nil { ... }
//	info, err := c.Listing(ctx, hub.Ref{ID: "acme/chat-7b"})
//	if err != nil { ... } // a *hub.Error: errors.Is(err, hub.ErrNotFound), …
//	for _, f := range info.Files {
//		r := c.NewReader(hub.Ref{ID: info.ID, Revision: info.SHA}, f.Path, f.Size)
//		r.SetLimits(hub.Limits{End: min(f.Size, 16), Budget: 16})
//		n, err := r.ReaderAt(ctx).ReadAt(buf[:16], 0)
//		...
//	}
//
// # Requests
//
// Every request is a GET with "User-Agent: modelvet/VERSION" (or
// Options.UserAgent). The
// "Authorization: Bearer TOKEN" header goes only to the endpoint's own
// scheme, host and port: never to another host a redirect leads to, and
// never in clear to a plain-http endpoint off the loopback interface
// unless Options.AllowTokenOverHTTPUnsafe says so.
//
//   - [Client.Listing]: {endpoint}/api/models/{id}/revision/{rev}?blobs=true
//     with "Accept: application/json"; the record, with every file's size,
//     git blob id and LFS sha256.
//   - [Client.ModelInfo]: {endpoint}/api/models/{id}, the record at the
//     default branch, once per client (a listing answers for its own id).
//   - [Client.ListModels]: {endpoint}/api/models?author=…&search=…&limit=…,
//     the repositories a query selects, a page at a time, following the
//     cursor of each page's Link header on the endpoint's own origin.
//   - [Reader]: {endpoint}/{id}/resolve/{rev}/{path} with "Range:
//     bytes=A-B" and "Accept-Encoding: identity"; further ranges of the
//     same file go to the URL that answered (the CDN the Hub redirects
//     to), and back to the resolve URL when it refuses one (an expired
//     signature).
//
// Redirects (301, 302, 303, 307, 308) are followed by the client, at most
// limits.MaxHubRedirects per request, each hop counting as a request; a
// redirect from https to http, or to another scheme, is refused, and
// credentials in a Location (user:password@) are dropped, never sent. No
// HEAD requests, cookies or writes are made.
//
// # Limits
//
// Each attempt, body included, has Options.Timeout, and a body that brings
// fewer than Options.MinRate bytes a second over a window of
// Options.RateWindow is abandoned; neither a body past the timeout nor
// one that came too slowly is retried. HTTP 429 and 5xx, timeouts before
// any answer and network errors are retried Options.Retries times with
// exponential backoff and jitter, honouring Retry-After up to
// limits.MaxHubRetryAfterSeconds (a server asking for longer fails the
// request); an attempt that got no answer within the timeout is retried
// once only. A Client's budgets last its lifetime (one audit): its
// requests and response bytes (Options.MaxRequests, Options.MaxBytes),
// its time from its first request (Options.MaxDuration: requests in flight
// are cut short when it ends) and its waits between retries, all requests
// together (Options.MaxRetryWait). Past the first three every request
// fails with ErrBudget; a retry the time or wait budget cannot afford is
// not made, and the request fails with its own kind and ErrBudget. The
// caller's context ends everything at once. A record is at most limits.MaxHubAPIBytes
// and lists at most limits.MaxHubFileList files; an error body is read for
// at most limits.MaxHubErrorBody bytes. A range answer must be the range
// asked, of the size the listing gives, and no longer; of a server that
// ignores Range, at most limits.MaxHubRangeSkip bytes are skipped to reach
// an offset.
package hub
