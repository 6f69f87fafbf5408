package main

import "time"

// Caps of the census, in one place. Those of the listing client move to
// internal/limits with it when it joins the library's Hub package.
const (
	// maxListingPageBytes caps one page of the Hub's model listing (a page
	// of 1,000 entries is well under 1 MiB).
	maxListingPageBytes = 16 << 20
	// maxListingJSONDepth caps the nesting of a listing page: entries are
	// objects holding lists of strings.
	maxListingJSONDepth = 32
	// maxListingPages caps the pages one listing follows: the whole Hub,
	// about two million models, is about 2,000 pages of 1,000.
	maxListingPages = 100_000
	// listingPageSize is the page size asked of the Hub (its largest).
	listingPageSize = 1000
	// listingRetries and listingRetryWait bound the retries of a listing
	// page that failed with 429, 5xx or a network error (exponential
	// backoff from the wait, capped by listingMaxWait).
	listingRetries   = 4
	listingRetryWait = 500 * time.Millisecond
	listingMaxWait   = 20 * time.Second
	// maxIDLineBytes caps a line of an -ids file.
	maxIDLineBytes = 64 << 10
	// maxBundleFiles and maxBundleBytes cap the files the audit flags
	// name (policy, its keys, knowledge-base overlay, trust files) that
	// travel with the pipeline to its workers.
	maxBundleFiles = 256
	maxBundleBytes = 64 << 20
	// maxOutputLineBytes caps one line of an output while it is merged
	// (a report of a repository of thousands of files is a few MB).
	maxOutputLineBytes = 256 << 20
	// maxCachedRecord and maxRecordCache cap a model record kept in a
	// worker's record cache, and all of them (records are a few kB).
	maxCachedRecord = 1 << 20
	maxRecordCache  = 64 << 20
	// outputBuckets is how many sorted parts each output is written in
	// before they are merged: a part holds about 1/outputBuckets of the
	// output in memory while it is sorted.
	outputBuckets = 64
)
