package integrity

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testutil"
)

const hexA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

// payloadWith builds a v1.0 statement from resource JSON, with a correct
// root digest unless root is given.
func payloadWith(ser string, resources []map[string]any, root string) []byte {
	if root == "" {
		var rs []Resource
		for _, r := range resources {
			d, _ := hexDigest(fmt.Sprint(r["digest"]), SHA256)
			rs = append(rs, Resource{Digest: d})
		}
		root = fmt.Sprintf("%x", rootDigest(rs))
	}
	res, _ := json.Marshal(resources)
	return fmt.Appendf(nil, `{"_type": %q, "subject": [{"name": "m", "digest": {"sha256": %q}}], "predicateType": %q,
		"predicate": {"serialization": %s, "resources": %s}}`, StatementType, root, PredicateV1, ser, res)
}

const filesSer = `{"method": "files", "hash_type": "sha256", "allow_symlinks": false}`
const shardSer = `{"method": "shards", "hash_type": "sha256", "allow_symlinks": false, "shard_size": 8.0}`

func res(name string) map[string]any {
	return map[string]any{"name": name, "algorithm": "sha256", "digest": hexA}
}

func shard(name string) map[string]any {
	return map[string]any{"name": name, "algorithm": "sha256-sharded-8", "digest": hexA}
}

func TestParsePayloadAccepts(t *testing.T) {
	for name, p := range map[string][]byte{
		"files":           payloadWith(filesSer, []map[string]any{res("a"), res("b/c"), res("a b")}, ""),
		"single file":     payloadWith(filesSer, []map[string]any{res(".")}, ""),
		"empty":           payloadWith(filesSer, []map[string]any{}, ""),
		"shards":          payloadWith(shardSer, []map[string]any{shard("f:0:8"), shard("f:8:16"), shard("f:16:20"), shard("g:0:3")}, ""),
		"colon in a path": payloadWith(shardSer, []map[string]any{shard("a:b:0:8")}, ""),
		"unknown fields":  bytes.Replace(payloadWith(filesSer, []map[string]any{res("a")}, ""), []byte(`"predicate": {`), []byte(`"predicate": {"future": [1, {"x": null}], `), 1),
		"integer shard":   payloadWith(strings.Replace(shardSer, "8.0", "8", 1), []map[string]any{shard("f:0:8")}, ""),
	} {
		if _, err := ParsePayload(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParsePayloadRejects(t *testing.T) {
	base := func(ser string, rs ...map[string]any) []byte { return payloadWith(ser, rs, "") }
	for name, tc := range map[string]struct {
		payload []byte
		field   string
	}{
		"not json":          {[]byte("{"), ""},
		"trailing data":     {append(base(filesSer, res("a")), []byte(" {}")...), ""},
		"wrong type":        {bytes.Replace(base(filesSer, res("a")), []byte(StatementType), []byte("https://in-toto.io/Statement/v0.1"), 1), "_type"},
		"unknown predicate": {bytes.Replace(base(filesSer, res("a")), []byte(PredicateV1), []byte("https://example.com/x"), 1), "predicateType"},
		"two subjects":      {bytes.Replace(base(filesSer, res("a")), []byte(`"subject": [`), []byte(`"subject": [{"name": "x", "digest": {"sha256": "`+hexA+`"}}, `), 1), "subject"},
		"root mismatch":     {payloadWith(filesSer, []map[string]any{res("a")}, hexA), "subject[0].digest.sha256"},
		"short subject":     {payloadWith(filesSer, []map[string]any{res("a")}, "abcd"), "subject[0].digest.sha256"},
		"no serialization":  {[]byte(`{"_type": "` + StatementType + `", "subject": [{"name": "m", "digest": {"sha256": "` + hexA + `"}}], "predicateType": "` + PredicateV1 + `", "predicate": {"resources": []}}`), "predicate.serialization"},
		"no resources":      {[]byte(`{"_type": "` + StatementType + `", "subject": [{"name": "m", "digest": {"sha256": "` + hexA + `"}}], "predicateType": "` + PredicateV1 + `", "predicate": {"serialization": ` + filesSer + `}}`), "predicate.resources"},
		"unknown method":    {base(`{"method": "tree", "hash_type": "sha256", "allow_symlinks": false}`, res("a")), "predicate.serialization.method"},
		"unknown hash":      {base(`{"method": "files", "hash_type": "md5", "allow_symlinks": false}`, res("a")), "predicate.serialization.hash_type"},
		"fractional shard":  {base(strings.Replace(shardSer, "8.0", "8.5", 1), shard("f:0:8")), "predicate.serialization.shard_size"},
		"negative shard":    {base(strings.Replace(shardSer, "8.0", "-8", 1), shard("f:0:8")), "predicate.serialization.shard_size"},
		"files with shard":  {base(strings.Replace(shardSer, "shards", "files", 1), res("a")), "predicate.serialization.shard_size"},
		"absolute path":     {base(filesSer, res("/etc/passwd")), "predicate.resources[0].name"},
		"climbing path":     {base(filesSer, res("a/../../x")), "predicate.resources[0].name"},
		"dot dot":           {base(filesSer, res("../x")), "predicate.resources[0].name"},
		"dot component":     {base(filesSer, res("./x")), "predicate.resources[0].name"},
		"empty component":   {base(filesSer, res("a//b")), "predicate.resources[0].name"},
		"trailing slash":    {base(filesSer, res("a/")), "predicate.resources[0].name"},
		"backslash":         {base(filesSer, res(`..\x`)), "predicate.resources[0].name"},
		"empty name":        {base(filesSer, res("")), "predicate.resources[0].name"},
		"NUL in name":       {base(filesSer, res("a\x00b")), "predicate.resources[0].name"},
		"duplicate":         {base(filesSer, res("a"), res("a")), "predicate.resources[1].name"},
		"dot with others":   {base(filesSer, res("."), res("a")), "predicate.resources[1].name"},
		"wrong label":       {base(filesSer, map[string]any{"name": "a", "algorithm": "blake3", "digest": hexA}), "predicate.resources[0].algorithm"},
		"short digest":      {base(filesSer, map[string]any{"name": "a", "algorithm": "sha256", "digest": "abcd"}), ""},
		"shard not a range": {base(shardSer, shard("f")), "predicate.resources[0].name"},
		"empty shard":       {base(shardSer, shard("f:8:8")), "predicate.resources[0].name"},
		"padded offset":     {base(shardSer, shard("f:00:8")), "predicate.resources[0].name"},
		"shard gap":         {base(shardSer, shard("f:0:8"), shard("f:16:20")), "predicate.resources"},
		"shard too long":    {base(shardSer, shard("f:0:9")), "predicate.resources"},
		"short inner shard": {base(shardSer, shard("f:0:4"), shard("f:4:8")), "predicate.resources"},
		"shard overlap":     {base(shardSer, shard("f:0:8"), shard("f:0:8")), "predicate.resources[1].name"},
		"long name":         {base(filesSer, res(strings.Repeat("a", limits.MaxSignatureNameLen+1))), "predicate.resources[0].name"},
		"long ignore path":  {base(`{"method": "files", "hash_type": "sha256", "allow_symlinks": false, "ignore_paths": ["`+strings.Repeat("a", limits.MaxSignatureNameLen+1)+`"]}`, res("a")), "predicate.serialization.ignore_paths[0]"},
	} {
		_, err := ParsePayload(tc.payload)
		var pe *PayloadError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err %v, want a PayloadError", name, err)
			continue
		}
		if tc.field != "" && pe.Field != tc.field {
			t.Errorf("%s: field %q, want %q (%v)", name, pe.Field, tc.field, err)
		}
	}
}

// TestParsePayloadResourceCap stops reading past the resource cap without
// decoding what follows.
func TestParsePayloadResourceCap(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"_type": "` + StatementType + `", "subject": [{"name": "m", "digest": {"sha256": "` + hexA + `"}}], "predicateType": "` + PredicateV1 + `", "predicate": {"resources": [`)
	for i := 0; i <= limits.MaxSignatureResources; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("{}")
	}
	b.WriteString(`]}}`)
	_, err := ParsePayload(b.Bytes())
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("err %v, want the resource cap", err)
	}
	if _, err := ParsePayload(make([]byte, limits.MaxSignatureBytes+1)); err == nil {
		t.Error("oversized payload accepted")
	}
}

func TestParseDigestsV01(t *testing.T) {
	p := `{"_type": "` + StatementType + `", "predicateType": "` + PredicateDigestsV01 + `", "predicate": {"unused": "x"},
	  "subject": [{"name": "a", "digest": {"sha256": "` + hexA + `"}, "annotations": {"actual_hash_algorithm": "file-sha256"}},
	              {"name": "b/c", "digest": {"sha256": "` + hexA + `"}}]}`
	st, err := ParsePayload([]byte(p))
	if err != nil {
		t.Fatal(err)
	}
	if !st.legacy() || len(st.Resources) != 2 || st.Resources[1].Path != "b/c" || st.SubjectDigest != nil {
		t.Errorf("%+v", st)
	}
	for _, bad := range []string{
		strings.Replace(p, `"name": "a"`, `"name": "../a"`, 1),
		strings.Replace(p, `"name": "b/c"`, `"name": "a"`, 1),
		strings.Replace(p, `file-sha256`, `file-blake3`, 1),
	} {
		if _, err := ParsePayload([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestIntegralNumber(t *testing.T) {
	for in, want := range map[string]int64{"8": 8, "8.0": 8, "1000000000.0": 1_000_000_000, "1e9": 1_000_000_000, "1e+15": 1e15} {
		if got, err := integralNumber(json.Number(in)); err != nil || got != want {
			t.Errorf("%s: %d %v", in, got, err)
		}
	}
	for _, in := range []string{"8.5", "1e300", "-1.5", "x"} {
		if _, err := integralNumber(json.Number(in)); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

// minimalBundle is a key-method bundle around payload.
func minimalBundle(payload []byte, mutate func(map[string]any)) []byte {
	b := map[string]any{
		"mediaType":            bundleMediaTypeV03,
		"verificationMaterial": map[string]any{"publicKey": map[string]any{"hint": "abc"}},
		"dsseEnvelope": map[string]any{
			"payload":     base64.StdEncoding.EncodeToString(payload),
			"payloadType": InTotoPayloadType,
			"signatures":  []any{map[string]any{"sig": base64.StdEncoding.EncodeToString([]byte("sig")), "keyid": nil}},
		},
	}
	if mutate != nil {
		mutate(b)
	}
	data, _ := json.Marshal(b)
	return data
}

func TestParseBundle(t *testing.T) {
	p := payloadWith(filesSer, []map[string]any{res("a")}, "")
	b, err := ParseBundle(minimalBundle(p, nil))
	if err != nil {
		t.Fatal(err)
	}
	if b.Method != SigningKey || b.KeyHint != "abc" || !bytes.Equal(b.Payload, p) || string(b.Signature) != "sig" {
		t.Errorf("%+v", b)
	}
	vm := func(v map[string]any) func(map[string]any) {
		return func(b map[string]any) { b["verificationMaterial"] = v }
	}
	env := func(k string, v any) func(map[string]any) {
		return func(b map[string]any) { b["dsseEnvelope"].(map[string]any)[k] = v }
	}
	for name, mut := range map[string]func(map[string]any){
		"not a bundle":      func(b map[string]any) { b["mediaType"] = "application/json" },
		"message signature": func(b map[string]any) { b["messageSignature"] = map[string]any{"signature": "AA=="} },
		"no envelope":       func(b map[string]any) { delete(b, "dsseEnvelope") },
		"no signature":      env("signatures", []any{}),
		"two signatures":    env("signatures", []any{map[string]any{"sig": "AA=="}, map[string]any{"sig": "AA=="}}),
		"empty signature":   env("signatures", []any{map[string]any{"sig": ""}}),
		"bad base64":        env("payload", "%%%"),
		"no material":       func(b map[string]any) { delete(b, "verificationMaterial") },
		"two materials":     vm(map[string]any{"publicKey": map[string]any{"hint": "a"}, "certificate": map[string]any{"rawBytes": "AA=="}}),
		"no material kind":  vm(map[string]any{}),
		"garbage cert":      vm(map[string]any{"certificate": map[string]any{"rawBytes": "AAAA"}}),
		"empty chain":       vm(map[string]any{"x509CertificateChain": map[string]any{"certificates": []any{}}}),
		"long chain": vm(map[string]any{"x509CertificateChain": map[string]any{"certificates": func() []any {
			var out []any
			for range limits.MaxCertificateChain + 1 {
				out = append(out, map[string]any{"rawBytes": "AA=="})
			}
			return out
		}()}}),
	} {
		_, err := ParseBundle(minimalBundle(p, mut))
		var be *BundleError
		if !errors.As(err, &be) {
			t.Errorf("%s: err %v, want a BundleError", name, err)
		}
	}
	if _, err := ParseBundle(make([]byte, limits.MaxSignatureBytes+1)); err == nil {
		t.Error("oversized bundle accepted")
	}
}

// TestNormalizedJSON reduces legacy key material so sigstore-go reads it.
func TestNormalizedJSON(t *testing.T) {
	p := payloadWith(filesSer, []map[string]any{res("a")}, "")
	data := minimalBundle(p, func(b map[string]any) {
		b["verificationMaterial"] = map[string]any{"publicKey": map[string]any{"rawBytes": "AA==", "keyDetails": "PKIX_ECDSA_P384_SHA_384"}}
	})
	b, err := ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := b.normalizedJSON("hint")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadSigstoreBundle(out); err != nil {
		t.Errorf("sigstore-go rejects the normalised bundle: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("rawBytes")) || bytes.Contains(out, []byte("keyid")) || !bytes.Contains(out, []byte(`"tlogEntries":[]`)) {
		t.Errorf("not normalised: %s", out)
	}
}

func TestPythonEncodings(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            `b'plain'`,
		"it's":             `b"it's"`,
		`it's "q"`:         `b'it\'s "q"'`,
		"a\nb\tc\rd\\e":    `b'a\nb\tc\rd\\e'`,
		"\x00\x1f\x7f\xff": `b'\x00\x1f\x7f\xff'`,
	} {
		if got := pyBytesRepr([]byte(in)); got != want {
			t.Errorf("pyBytesRepr(%q) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"a/b c":    `"a/b c"`,
		`q"\`:      `"q\"\\"`,
		"é":        `"\u00e9"`,
		"😀":        `"\ud83d\ude00"`,
		"\x7f\x01": `"\u007f\u0001"`,
		"\n\b\f":   `"\n\b\f"`,
	} {
		if got := pyQuote(in); got != want {
			t.Errorf("pyQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// seedSignatures adds the corpus bundles and payloads to a fuzz corpus.
func seedSignatures(f *testing.F, payloads bool) {
	f.Add(minimalBundle(payloadWith(filesSer, []map[string]any{res("a")}, ""), nil))
	f.Add(payloadWith(shardSer, []map[string]any{shard("f:0:8"), shard("f:8:9")}, ""))
	// The corpus is optional here: without it the fuzz targets still run
	// from the seeds above.
	base := filepath.Join(testutil.ModuleRoot(f), "..", "shared", "corpus", "model-signing", "model-transparency")
	sigs, _ := filepath.Glob(filepath.Join(base, "scripts", "tests", "*", "model.sig"))
	for _, s := range sigs {
		data, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		if !payloads {
			f.Add(data)
		} else if b, err := ParseBundle(data); err == nil {
			f.Add(b.Payload)
		}
	}
	if payloads {
		goldens, _ := filepath.Glob(filepath.Join(base, "tests", "_signing", "testdata", "signing", "TestPayload", "*"))
		for _, g := range goldens {
			if data, err := os.ReadFile(g); err == nil {
				f.Add(data)
			}
		}
	}
}

func FuzzParseBundle(f *testing.F) {
	seedSignatures(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			return
		}
		if b.Method == "" || len(b.Signature) == 0 {
			t.Fatalf("accepted bundle without method or signature: %+v", b)
		}
		if b.Method != SigningKey && len(b.Certificates) == 0 {
			t.Fatal("certificate method without certificates")
		}
		b.normalizedJSON("h") // must not panic
	})
}

func FuzzParsePayload(f *testing.F) {
	seedSignatures(f, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParsePayload(data)
		if err != nil || st.legacy() {
			return
		}
		// What parses, written back as the reference writes it, parses to
		// the same statement.
		again, err := ParsePayload(statementJSON(st.SubjectName, st.SubjectDigest, st.Serialization, st.Resources))
		if err != nil {
			t.Fatalf("re-encoded statement does not parse: %v", err)
		}
		if len(again.Resources) != len(st.Resources) || !bytes.Equal(again.SubjectDigest, st.SubjectDigest) {
			t.Fatal("re-encoded statement differs")
		}
		for i := range st.Resources {
			if again.Resources[i].Name != st.Resources[i].Name || !bytes.Equal(again.Resources[i].Digest, st.Resources[i].Digest) {
				t.Fatalf("resource %d differs", i)
			}
		}
	})
}
