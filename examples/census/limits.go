package main

// Caps of the census, in one place; those of the Hub's model listing are
// the library's (internal/limits).
const (
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
