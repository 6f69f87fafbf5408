package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"

	"github.com/modelvet/modelvet/hub"
	"github.com/modelvet/modelvet/manifest"
)

// Every use the census makes of the library's Hub-specific API is in this
// file.

// hubEndpoint returns the Hub's base URL as the library resolves it
// (HF_ENDPOINT, else the public Hub), checked by the library: the workers
// read the Hub the launcher named. A token the library would refuse to
// send (in clear to a remote host) is refused here too.
func hubEndpoint() (string, error) {
	c, err := hub.NewClient(hub.Options{})
	if err != nil {
		return "", err
	}
	return c.Endpoint(), nil
}

// hubToken is the token the library sends (HF_TOKEN), for the listing.
func hubToken() string { return strings.TrimSpace(os.Getenv("HF_TOKEN")) }

// hubOffline reports whether the environment forbids contacting the Hub,
// as the library reads it.
func hubOffline() bool {
	for _, name := range []string{"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"} {
		switch strings.ToUpper(strings.TrimSpace(os.Getenv(name))) {
		case "1", "ON", "YES", "TRUE":
			return true
		}
	}
	return false
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
