package archive

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/formats"
	"github.com/modelvet/modelvet/internal/formattest"
	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testmodel"
)

var members = []testmodel.Member{
	{Name: "model/data.pkl", Data: testmodel.MaliciousPickle(4, testmodel.ViaStackGlobal, "builtins", "eval", "1")},
	{Name: "model/notes.txt", Data: []byte(strings.Repeat("notes ", 100))},
	{Name: "../../etc/cron.d/job", Data: []byte("* * * * * root id\n")},
}

func open(t testing.TB, data []byte) *Reader {
	t.Helper()
	a, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Every kind lists the members with their sizes, marks the traversal
// path, and serves each member's bytes as they were stored.
func TestOpenEveryKind(t *testing.T) {
	for _, c := range []struct {
		name, kind string
		data       []byte
	}{
		{"zip stored", Zip, testmodel.ZipArchive(false, members...)},
		{"zip deflated", Zip, testmodel.ZipArchive(true, members...)},
		{"tar", Tar, testmodel.TarArchive(false, members...)},
		{"tar.gz", TarGzip, testmodel.TarArchive(true, members...)},
		{"7z copy", SevenZip, testmodel.SevenZip(false, false, members...)},
		{"7z lzma2", SevenZip, testmodel.SevenZip(true, false, members...)},
		{"7z encoded header", SevenZip, testmodel.SevenZip(true, true, members...)},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := open(t, c.data)
			info := a.Info()
			if info.Kind != c.kind || len(info.Entries) != len(members) {
				t.Fatalf("info %+v", info)
			}
			for i, m := range members {
				e := info.Entries[i]
				if e.Name != m.Name || e.Size != int64(len(m.Data)) || e.Dir {
					t.Errorf("entry %d: %+v", i, e)
				}
				wantUnsafe := ""
				if strings.HasPrefix(m.Name, "..") {
					wantUnsafe = "leaves the folder (..)"
				}
				if e.Unsafe != wantUnsafe {
					t.Errorf("%s: unsafe %q", e.Name, e.Unsafe)
				}
				r, n, err := a.Member(i)
				if err != nil {
					t.Fatalf("member %s: %v", m.Name, err)
				}
				got := make([]byte, n)
				if _, err := r.ReadAt(got, 0); err != nil && !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				if !bytes.Equal(got, m.Data) {
					t.Errorf("member %s: bytes differ", m.Name)
				}
			}
		})
	}
}

func TestUnsafeName(t *testing.T) {
	for name, want := range map[string]string{
		"a/b.pkl": "", "a/..b/c": "", "../x": "leaves the folder (..)", "a/../../x": "leaves the folder (..)",
		`..\..\x`: "leaves the folder (..)", "/etc/passwd": "absolute path", `\\server\share`: "absolute path",
		"C:/Windows/x": "drive letter", "c:x": "drive letter", "a\x00b": "control character",
	} {
		if got := UnsafeName(name); got != want {
			t.Errorf("%q: %q, want %q", name, got, want)
		}
	}
}

// Hostile 7z headers fail with an error at the fault, before anything is
// allocated from their counts.
func TestOpen7zHostile(t *testing.T) {
	good := testmodel.SevenZip(false, false, members[:1]...)
	corrupt := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"short", good[:20], "too short"},
		{"start crc", corrupt(func(b []byte) []byte { b[9] ^= 1; return b }), "start header checksum"},
		{"header past end", good[:len(good)-3], ""},
		{"files count", bytes.Replace(good, []byte{0x05, 0x01, 0x11}, []byte{0x05, 0xfe, 0xff, 0x11}, 1), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := Open(bytes.NewReader(c.data), int64(len(c.data)))
			if err == nil {
				t.Fatalf("no error: %+v", a.Info())
			}
			var fe *formats.Error
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v", err)
			}
		})
	}
}

// A member over the decompression cap is listed, not read.
func TestMemberOverCap(t *testing.T) {
	big := bytes.Repeat([]byte{0}, limits.MaxArchiveMemberBytes+1)
	a := open(t, testmodel.ZipArchive(true, testmodel.Member{Name: "big.bin", Data: big}))
	if _, _, err := a.Member(0); !errors.Is(err, ErrNotRead) {
		t.Errorf("error %v", err)
	}
	if e := a.Info().Entries[0]; e.Size != int64(len(big)) || e.Method != "deflate" {
		t.Errorf("entry %+v", e)
	}
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		data []byte
		want string
	}{
		{testmodel.ZipArchive(false, members[0]), Zip},
		{testmodel.TarArchive(false, members[0]), Tar},
		{testmodel.SevenZip(false, false, members[0]), SevenZip},
		{testmodel.TarArchive(true, members[0]), ""},
		{[]byte("GGUF"), ""},
	} {
		head := c.data[:min(len(c.data), 512)]
		if got := Sniff(head); got != c.want {
			t.Errorf("%q…: %q, want %q", head[:4], got, c.want)
		}
	}
	gz := testmodel.TarArchive(true, members[0])
	if !SniffGzipTar(bytes.NewReader(gz), int64(len(gz))) {
		t.Error("tar.gz not seen")
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(testmodel.ZipArchive(true, members...))
	f.Add(testmodel.TarArchive(false, members...))
	f.Add(testmodel.TarArchive(true, members[:1]...))
	f.Add(testmodel.SevenZip(true, true, members...))
	f.Add(testmodel.SevenZip(false, false, members[:1]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Open(bytes.NewReader(data), int64(len(data)))
		if a == nil {
			formattest.CheckReaderError(t, err, false)
			return
		}
		for i := range a.Info().Entries[:min(len(a.Info().Entries), 8)] {
			a.Member(i)
		}
		if got := slices.Clone(a.Info().Entries); len(got) > limits.MaxArchiveEntries {
			t.Fatal("over the entry cap")
		}
	})
}
