package stores

// Problem is a part of a store that a reader could not read while it read
// the rest: a folder that cannot be listed, a nested index that cannot be
// read, entries past a cap. The caller decides what it means for the
// models it reads.
type Problem struct {
	// Path is the file or folder, as the reader was given it.
	Path string
	// Message says what went wrong, in words that make sense to a user.
	Message string
	// Err is the underlying error, if any.
	Err error
}

// Location is a place a store is kept by default.
type Location struct {
	Path string
	// From says what chose the path: the environment variable that named
	// it, or "default".
	From string
}
