package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/manifest"
)

// Every use the census makes of the library's Hub-specific API is in this
// file.

// hubEndpoint returns the Hub's base URL as the library resolves it
// (HF_ENDPOINT, else the public Hub), checked by the library, and whether
// a token (HF_TOKEN) is sent: the workers read the Hub the launcher named.
// A token the library would refuse to send (in clear to a remote host) is
// refused here too, and so is offline mode.
func hubEndpoint() (endpoint string, authenticated bool, err error) {
	c, err := hub.NewClient(hub.Options{})
	if err != nil {
		return "", false, err
	}
	if c.Offline() {
		return "", false, errors.New("HF_HUB_OFFLINE is set: a census reads the Hub")
	}
	return c.Endpoint(), c.Authenticated(), nil
}

// hubSource is the remote source of ref ("ORG/NAME[@REV]"): the one
// manifest.Parse("hf:"+ref) returns, with the worker's client.
func hubSource(ref, endpoint string, client *http.Client) (manifest.Source, error) {
	return manifest.Hub(ref, manifest.HubOptions{Options: hub.Options{Endpoint: endpoint, Client: client}})
}

// hubRequests is the number of requests src made.
func hubRequests(src manifest.Source) int {
	if h, ok := src.(*manifest.HubSource); ok {
		n, _ := h.Client().Usage()
		return n
	}
	return 0
}

// errorKind names why a repository could not be audited.
func errorKind(err error) string {
	kinds := []struct {
		err  error
		name string
	}{
		{hub.ErrNotFound, "not-found"},
		{hub.ErrGated, "gated"},
		{hub.ErrAccess, "access-denied"},
		{hub.ErrRateLimited, "rate-limited"},
		{hub.ErrUnavailable, "unavailable"},
		{hub.ErrResponse, "invalid-response"},
		{hub.ErrBudget, "budget"},
		{hub.ErrOffline, "offline"},
		{manifest.ErrEmpty, "empty"},
		{context.DeadlineExceeded, "timeout"},
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	var he *hub.Error
	if errors.As(err, &he) {
		return "hub"
	}
	return "invalid"
}

// listModels calls put with each repository q selects, through the
// library's Hub client with the worker's HTTP client (its pacing), and
// returns the requests it made. A listing of the whole Hub is thousands of
// pages: its budgets are the listing's own caps, not one audit's.
func listModels(ctx context.Context, endpoint string, client *http.Client, q hub.ModelQuery, put func(string) error) (int, error) {
	c, err := hub.NewClient(hub.Options{
		Endpoint: endpoint, Client: client, UserAgent: userAgent(),
		MaxRequests: 2 * limits.MaxHubListingPages, MaxBytes: limits.MaxHubListingPages * limits.MaxHubListingPageBytes,
		MaxDuration: -1, MaxRetryWait: -1,
	})
	if err != nil {
		return 0, err
	}
	err = c.ListModels(ctx, q, put)
	n, _ := c.Usage()
	return n, err
}
