package vocabhash

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestDigest(t *testing.T) {
	want := sha256.Sum256([]byte("\x01a\x02bc\x00"))
	h := New()
	for _, tok := range []string{"a", "bc", ""} {
		h.Add(tok)
	}
	if got := h.Sum(); got != "sha256:"+hex.EncodeToString(want[:]) || h.Len() != 3 {
		t.Errorf("digest %s over %d tokens", got, h.Len())
	}
	mid := h.Sum()
	h.Add("d")
	if h.Sum() == mid {
		t.Error("Sum does not follow later tokens")
	}
	other := New()
	for _, tok := range []string{"ab", "c", ""} {
		other.Add(tok)
	}
	if other.Sum() == mid {
		t.Error("the length prefix does not separate tokens")
	}
	long := New()
	long.Add(string(make([]byte, 300))) // a two-byte length
	if want := sha256.Sum256(append([]byte{0xac, 0x02}, make([]byte, 300)...)); long.Sum() != "sha256:"+hex.EncodeToString(want[:]) {
		t.Error("length not written as LEB128")
	}
}
