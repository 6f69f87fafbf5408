package testmodel

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestSafetensorsLayout(t *testing.T) {
	s := Safetensors{Metadata: map[string]string{"format": "pt"}, Tensors: []SafetensorsTensor{
		{Name: "a", Dtype: "F16", Shape: []uint64{2, 3}},
		{Name: "b", Dtype: "F4", Shape: []uint64{4}, Data: []byte{1, 2}},
	}}
	b := s.Bytes()
	n := binary.LittleEndian.Uint64(b)
	if n%8 != 0 || uint64(len(b)) != 8+n+12+2 {
		t.Fatalf("header %d bytes, file %d", n, len(b))
	}
	var hdr map[string]struct {
		Dtype   string   `json:"dtype"`
		Offsets []uint64 `json:"data_offsets"`
	}
	if err := json.Unmarshal(b[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	if o := hdr["b"].Offsets; o[0] != 12 || o[1] != 14 {
		t.Errorf("b at %v", o)
	}
	if !bytes.Equal(b[len(b)-2:], []byte{1, 2}) {
		t.Error("data not written")
	}
	if !bytes.Equal(s.HeaderBytes(), b[:8+n]) {
		t.Error("HeaderBytes differs from the file's header")
	}
}

func TestWriteShardedSparse(t *testing.T) {
	dir := t.TempDir()
	sh := ShardedSafetensors{Sparse: true, Shards: []Safetensors{
		{Tensors: []SafetensorsTensor{{Name: "x", Dtype: "BF16", Shape: []uint64{1 << 20, 1024}}}},
		{Tensors: []SafetensorsTensor{{Name: "y", Dtype: "U8", Shape: []uint64{5}}}},
	}}
	index, err := WriteShardedSafetensors(dir, sh)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "model-00001-of-00002.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(sh.Shards[0].HeaderBytes())) + 2<<30; fi.Size() != want {
		t.Errorf("shard size %d, want %d", fi.Size(), want)
	}
	data, _ := os.ReadFile(index)
	var doc struct {
		Metadata struct {
			TotalSize int64 `json:"total_size"`
		} `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Metadata.TotalSize != 2<<30+5 || doc.WeightMap["y"] != "model-00002-of-00002.safetensors" {
		t.Errorf("index %+v", doc)
	}
}

func TestGGUFLayout(t *testing.T) {
	g := GGUF{Version: 2, KV: []KV{{Key: "general.architecture", Value: String("llama")}},
		Tensors: []GGUFTensor{{Name: "w", Dims: []uint64{32, 2}, Type: GGMLQ8_0}, {Name: "n", Dims: []uint64{3}, Type: GGMLF32}}}
	b := g.Bytes()
	le := binary.LittleEndian
	if string(b[:4]) != "GGUF" || le.Uint32(b[4:]) != 2 || le.Uint64(b[8:]) != 2 || le.Uint64(b[16:]) != 1 {
		t.Fatalf("header % x", b[:24])
	}
	// Q8_0: 2 blocks of 34 bytes, padded to 96; then 12 bytes, padded to 32.
	if offs := g.Offsets(); offs[0] != 0 || offs[1] != 96 || g.DataSize() != 128 {
		t.Errorf("offsets %v, data size %d", offs, g.DataSize())
	}
	if uint64(len(b)) != g.DataOffset()+128 || g.DataOffset()%32 != 0 {
		t.Errorf("file %d bytes, data at %d", len(b), g.DataOffset())
	}
	be := GGUF{BigEndian: true}.Bytes()
	if binary.BigEndian.Uint32(be[4:]) != 3 || string(be[:4]) != "GGUF" {
		t.Errorf("big-endian header % x", be[:8])
	}
}

func TestMoELayout(t *testing.T) {
	m := DeepSeekV3Like()
	sh := m.Sharded()
	if len(sh.Shards) != 163 {
		t.Fatalf("%d shards", len(sh.Shards))
	}
	total := sh.TotalDataSize()
	if total < 600e9 || total > 800e9 {
		t.Errorf("%d bytes declared, want about 700 GB", total)
	}
	m.Scale = 10
	if got := m.Sharded().TotalDataSize(); got != 10*total {
		t.Errorf("x10 declares %d, want %d", got, 10*total)
	}
	for i, s := range sh.Shards {
		if len(s.Tensors) == 0 {
			t.Fatalf("shard %d is empty", i)
		}
	}
}
