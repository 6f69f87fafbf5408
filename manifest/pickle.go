package manifest

import "io"

// ReadPickle walks the pickle streams of a PyTorch or pickle file.
func ReadPickle(r io.ReaderAt, size int64) (*PickleInfo, error) {
	return nil, nil // implemented with the pickle walker
}
