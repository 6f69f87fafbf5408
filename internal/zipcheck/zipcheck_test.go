package zipcheck

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"

	"github.com/modelvet/modelvet/formats"
)

func TestEntryCount(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"a", "b", "c"} {
		w, _ := zw.Create(name)
		w.Write([]byte(name))
	}
	zw.Close()
	data := buf.Bytes()
	if !IsArchive(data) || IsArchive([]byte("PK\x05\x06")) {
		t.Error("IsArchive does not tell a local file header from an end record")
	}
	if n, err := EntryCount(bytes.NewReader(data), int64(len(data)), "keras"); err != nil || n != 3 {
		t.Errorf("EntryCount = %d, %v; want 3", n, err)
	}
	_, err := EntryCount(bytes.NewReader(data[:10]), 10, "keras")
	var fe *formats.Error
	if !errors.As(err, &fe) || fe.Format != "keras" || fe.Offset != 0 {
		t.Errorf("short file: err = %v, want a keras *formats.Error at offset 0", err)
	}
	cut := data[:len(data)-22]
	if _, err := EntryCount(bytes.NewReader(cut), int64(len(cut)), "pytorch"); !errors.As(err, &fe) || fe.Format != "pytorch" {
		t.Errorf("no end record: err = %v", err)
	}
}
