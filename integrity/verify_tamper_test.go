package integrity

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelvet/modelvet/finding"
)

// tamperEnv is a signed model and what verifies it; a tamper case changes
// one thing and says which findings must follow.
type tamperEnv struct {
	t     *testing.T
	dir   string // the model
	sig   string // its signature
	trust Trust
	kp    *keypair
	ser   Serialization
	// vs is set for keyless signatures.
	vs *virtualSigstore
}

func (e *tamperEnv) path(p string) string { return filepath.Join(e.dir, filepath.FromSlash(p)) }

func (e *tamperEnv) write(p, content string) {
	e.t.Helper()
	if err := os.WriteFile(e.path(p), []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *tamperEnv) read(p string) string {
	e.t.Helper()
	b, err := os.ReadFile(e.path(p))
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// resign replaces the signature with one over payload, signed by the
// trusted key: a statement the signer really made.
func (e *tamperEnv) resign(payload []byte) {
	e.t.Helper()
	data, err := signPayload(context.Background(), payload, e.kp, Signer{Key: e.kp.key})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(e.sig, data, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// statement is the signed statement of the model as it was signed.
func (e *tamperEnv) statement() *SignedStatement {
	e.t.Helper()
	data, err := os.ReadFile(e.sig)
	if err != nil {
		e.t.Fatal(err)
	}
	b, err := ParseBundle(data)
	if err != nil {
		e.t.Fatal(err)
	}
	st, err := ParsePayload(b.Payload)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// editPayload rewrites the payload inside the bundle without signing it
// again.
func (e *tamperEnv) editPayload(edit func(map[string]any)) {
	e.t.Helper()
	data, err := os.ReadFile(e.sig)
	if err != nil {
		e.t.Fatal(err)
	}
	var bundle map[string]any
	if err := json.Unmarshal(data, &bundle); err != nil {
		e.t.Fatal(err)
	}
	env := bundle["dsseEnvelope"].(map[string]any)
	payload, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
	var st map[string]any
	if err := json.Unmarshal(payload, &st); err != nil {
		e.t.Fatal(err)
	}
	edit(st)
	payload, _ = json.MarshalIndent(st, "", "  ")
	env["payload"] = base64.StdEncoding.EncodeToString(payload)
	data, _ = json.Marshal(bundle)
	if err := os.WriteFile(e.sig, data, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

var tamperFiles = map[string]string{
	"config.json":             `{"model_type": "llama"}`,
	"model-00001.safetensors": string(bytes.Repeat([]byte("first shard of weights "), 20)),
	"model-00002.safetensors": string(bytes.Repeat([]byte("second shard of weights"), 20)),
	"sub/a/b":                 "nested file",
	"tokenizer.json":          `{"vocab": {}}`,
}

func newTamperEnv(t *testing.T, ser SignOptions, keyless bool) *tamperEnv {
	t.Helper()
	e := &tamperEnv{t: t, dir: writeModel(t, tamperFiles)}
	e.sig = filepath.Join(e.dir, DefaultSignatureName)
	k := newKey(t, elliptic.P256())
	var err error
	if e.kp, err = newKeypair(k); err != nil {
		t.Fatal(err)
	}
	signer := Signer{Key: k}
	e.trust = keyTrust(t, k)
	if keyless {
		e.vs = newVirtualSigstore(t)
		signer = e.vs.signer(t, "alice@example.com", "https://issuer.example.com", time.Now().Add(time.Minute))
		e.trust = Trust{TrustedRootJSON: e.vs.trustedRootJSON(t), Identities: []Identity{{"alice@example.com", "https://issuer.example.com"}}}
	}
	if _, err := Sign(context.Background(), e.dir, signer, ser); err != nil {
		t.Fatal(err)
	}
	e.ser = e.statement().Serialization
	return e
}

func (e *tamperEnv) verify() *Result {
	e.t.Helper()
	res, err := Verify(context.Background(), openRelease(e.t, e.dir), VerifyOptions{Trust: e.trust, RequireSignature: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

type tamperCase struct {
	name    string
	keyless bool
	tamper  func(e *tamperEnv)
	want    map[finding.Code][]string
}

// unverified is what accompanies a signature that cannot be trusted: the
// files then have nothing to be verified against.
var unverified = map[finding.Code][]string{finding.IntegrityUnverified: {"model"}}

func with(code finding.Code, subjects ...string) map[finding.Code][]string {
	m := map[finding.Code][]string{code: subjects}
	if code.Group() == "signature" {
		m[finding.IntegrityUnverified] = unverified[finding.IntegrityUnverified]
	}
	return m
}

// fileTampers change the model's bytes or layout after signing.
var fileTampers = []tamperCase{
	{name: "flipped byte", tamper: func(e *tamperEnv) {
		b := []byte(e.read("model-00001.safetensors"))
		b[len(b)/2] ^= 0x01
		e.write("model-00001.safetensors", string(b))
	}, want: with(finding.IntegrityMismatch, "model-00001.safetensors")},
	{name: "truncated file", tamper: func(e *tamperEnv) {
		if err := os.Truncate(e.path("model-00002.safetensors"), 100); err != nil {
			e.t.Fatal(err)
		}
	}, want: with(finding.IntegrityMismatch, "model-00002.safetensors")},
	{name: "extra file", tamper: func(e *tamperEnv) {
		e.write("extra.safetensors", "smuggled weights")
	}, want: with(finding.IntegrityUnlisted, "extra.safetensors")},
	{name: "missing file", tamper: func(e *tamperEnv) {
		if err := os.Remove(e.path("tokenizer.json")); err != nil {
			e.t.Fatal(err)
		}
	}, want: with(finding.IntegrityMissing, "tokenizer.json")},
	{name: "renamed file", tamper: func(e *tamperEnv) {
		if err := os.Rename(e.path("sub/a/b"), e.path("sub/a/c")); err != nil {
			e.t.Fatal(err)
		}
	}, want: map[finding.Code][]string{finding.IntegrityMissing: {"sub/a/b"}, finding.IntegrityUnlisted: {"sub/a/c"}}},
	{name: "swapped pair", tamper: func(e *tamperEnv) {
		a, b := e.read("model-00001.safetensors"), e.read("model-00002.safetensors")
		e.write("model-00001.safetensors", b)
		e.write("model-00002.safetensors", a)
	}, want: with(finding.IntegrityMismatch, "model-00001.safetensors", "model-00002.safetensors")},
	{name: "symlink outside the release", tamper: func(e *tamperEnv) {
		outside := filepath.Join(e.t.TempDir(), "config.json")
		if err := os.WriteFile(outside, []byte(e.read("config.json")), 0o644); err != nil {
			e.t.Fatal(err)
		}
		os.Remove(e.path("config.json"))
		if err := os.Symlink(outside, e.path("config.json")); err != nil {
			e.t.Fatal(err)
		}
	}, want: with(finding.IntegrityMismatch, "config.json")},
	{name: "symlink inside, signed without links", tamper: func(e *tamperEnv) {
		os.Remove(e.path("sub/a/b"))
		e.write("sub/a/target", "nested file")
		if err := os.Symlink("target", e.path("sub/a/b")); err != nil {
			e.t.Fatal(err)
		}
	}, want: map[finding.Code][]string{finding.IntegrityMismatch: {"sub/a/b"}, finding.IntegrityUnlisted: {"sub/a/target"}}},
	{name: "bundle for another model", tamper: func(e *tamperEnv) {
		// A signature the trusted signer made for a model with the same
		// file names but other weights.
		other := writeModel(e.t, tamperFiles)
		if err := os.WriteFile(filepath.Join(other, "model-00002.safetensors"), []byte("other weights"), 0o644); err != nil {
			e.t.Fatal(err)
		}
		data, err := Sign(context.Background(), other, Signer{Key: e.kp.key}, SignOptions{Method: e.ser.Method, ShardSize: e.ser.ShardSize})
		if err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(e.sig, data, 0o644); err != nil {
			e.t.Fatal(err)
		}
	}, want: with(finding.IntegrityMismatch, "model-00002.safetensors")},
}

// signatureTampers change the signature or the trust.
var signatureTampers = []tamperCase{
	{name: "path leaving the model in the resource list", tamper: func(e *tamperEnv) {
		st := e.statement()
		r := st.Resources[0]
		r.Name, r.Path = "../x", "../x"
		if st.Serialization.Method == MethodShards {
			r.Name = "../x:0:8"
		}
		rs := append(st.Resources, r)
		e.resign(statementJSON("model", rootDigest(rs), st.Serialization, rs))
	}, want: with(finding.SignatureInvalid, "model.sig")},
	{name: "duplicate resource names", tamper: func(e *tamperEnv) {
		st := e.statement()
		rs := append(st.Resources, st.Resources[0])
		e.resign(statementJSON("model", rootDigest(rs), st.Serialization, rs))
	}, want: with(finding.SignatureInvalid, "model.sig")},
	{name: "statement with a different subject digest", tamper: func(e *tamperEnv) {
		st := e.statement()
		root := rootDigest(st.Resources)
		root[0] ^= 0xff
		e.resign(statementJSON("model", root, st.Serialization, st.Resources))
	}, want: with(finding.SignatureInvalid, "model.sig")},
	{name: "altered ignore_paths", tamper: func(e *tamperEnv) {
		e.editPayload(func(st map[string]any) {
			ser := st["predicate"].(map[string]any)["serialization"].(map[string]any)
			ser["ignore_paths"] = append(ser["ignore_paths"].([]any), "model-00001.safetensors")
		})
	}, want: with(finding.SignatureInvalid, "model.sig")},
	{name: "altered resource digest", tamper: func(e *tamperEnv) {
		e.editPayload(func(st map[string]any) {
			r := st["predicate"].(map[string]any)["resources"].([]any)[0].(map[string]any)
			r["digest"] = "00" + r["digest"].(string)[2:]
		})
	}, want: with(finding.SignatureInvalid, "model.sig")},
	{name: "signed ignore_paths hiding weights", tamper: func(e *tamperEnv) {
		// The signer really left a weight file out: it is reported as not
		// vouched for, not silently skipped.
		st := e.statement()
		var rs []Resource
		for _, r := range st.Resources {
			if r.Path != "model-00001.safetensors" {
				rs = append(rs, r)
			}
		}
		ser := st.Serialization
		ser.IgnorePaths = append(ser.IgnorePaths, "model-00001.safetensors")
		e.resign(statementJSON("model", rootDigest(rs), ser, rs))
	}, want: with(finding.IntegrityUnlisted, "model-00001.safetensors")},
	{name: "untrusted key", tamper: func(e *tamperEnv) {
		e.trust = keyTrust(e.t, newKey(e.t, elliptic.P256()))
	}, want: with(finding.SignatureUntrusted, "model.sig")},
	{name: "no trusted key at all", tamper: func(e *tamperEnv) {
		e.trust = Trust{}
	}, want: with(finding.SignatureUntrusted, "model.sig")},
	{name: "signature removed", tamper: func(e *tamperEnv) {
		os.Remove(e.sig)
	}, want: map[finding.Code][]string{finding.SignatureMissing: {"model"}, finding.IntegrityUnverified: {"model"}}},
	{name: "wrong identity", keyless: true, tamper: func(e *tamperEnv) {
		e.trust.Identities = []Identity{{"bob@example.com", "https://issuer.example.com"}}
	}, want: with(finding.SignatureUntrusted, "model.sig")},
	{name: "wrong issuer", keyless: true, tamper: func(e *tamperEnv) {
		e.trust.Identities = []Identity{{"alice@example.com", "https://accounts.example.org"}}
	}, want: with(finding.SignatureUntrusted, "model.sig")},
	{name: "another Sigstore instance", keyless: true, tamper: func(e *tamperEnv) {
		e.trust.TrustedRootJSON = newVirtualSigstore(e.t).trustedRootJSON(e.t)
	}, want: with(finding.SignatureUntrusted, "model.sig")},
	{name: "signed outside the certificate's validity", keyless: true, tamper: func(e *tamperEnv) {
		// The log records the signature 30 minutes after signing, when the
		// 10-minute certificate had expired.
		late := e.vs.signer(e.t, "alice@example.com", "https://issuer.example.com", time.Now().Add(30*time.Minute))
		if _, err := Sign(context.Background(), e.dir, late, SignOptions{Method: e.ser.Method, ShardSize: e.ser.ShardSize}); err != nil {
			e.t.Fatal(err)
		}
	}, want: with(finding.SignatureInvalid, "model.sig")},
	{name: "keyless flipped byte", keyless: true, tamper: func(e *tamperEnv) {
		b := []byte(e.read("config.json"))
		b[0] ^= 0x20
		e.write("config.json", string(b))
	}, want: with(finding.IntegrityMismatch, "config.json")},
}

// TestTamperMatrix changes one thing at a time in a signed model, its
// signature or the trust, under both serialisations, and requires each
// change to be caught with the right code and subject — and nothing else.
func TestTamperMatrix(t *testing.T) {
	for _, ser := range []SignOptions{{Method: MethodFiles}, {Method: MethodShards, ShardSize: 64}} {
		for _, tc := range append(append([]tamperCase{}, fileTampers...), signatureTampers...) {
			t.Run(ser.Method+"/"+tc.name, func(t *testing.T) {
				e := newTamperEnv(t, ser, tc.keyless)
				if res := e.verify(); len(res.Findings) != 0 {
					t.Fatalf("untampered model: %v", res.Findings)
				}
				tc.tamper(e)
				res := e.verify()
				wantCodes(t, res, tc.want)
				if t.Failed() && res.Signature != nil {
					t.Logf("checks: %q", res.Signature.CheckStrings())
				}
			})
		}
	}
}

// TestIgnoreUnsignedFiles checks the reference verifier's
// --ignore-unsigned-files: a file the signature does not name is neither
// hashed nor reported, while a signed file that changed still fails.
func TestIgnoreUnsignedFiles(t *testing.T) {
	for _, ser := range []SignOptions{{}, {Method: MethodShards, ShardSize: 16}} {
		e := newTamperEnv(t, ser, false)
		e.write("extra.bin", "not signed")
		verify := func(ignore bool) (*Result, map[finding.Code]int) {
			res, err := Verify(context.Background(), openRelease(t, e.dir), VerifyOptions{Trust: e.trust, RequireSignature: true, IgnoreUnsignedFiles: ignore})
			if err != nil {
				t.Fatal(err)
			}
			codes := map[finding.Code]int{}
			for _, f := range res.Findings {
				codes[f.Code]++
			}
			return res, codes
		}
		if _, codes := verify(false); codes[finding.IntegrityUnlisted] != 1 {
			t.Errorf("%s: without the option: %v", ser.Method, codes)
		}
		res, codes := verify(true)
		if len(codes) != 0 || !res.Signature.Verified {
			t.Errorf("%s: with the option: %v", ser.Method, codes)
		}
		// VerifySignature hashes only the signed files (Verify hashes
		// every file, for the report's digests).
		sres, err := VerifySignature(context.Background(), openRelease(t, e.dir), VerifyOptions{Trust: e.trust, IgnoreUnsignedFiles: true})
		if err != nil || len(sres.Findings) != 0 {
			t.Fatalf("%s: VerifySignature: %v, %+v", ser.Method, err, sres.Findings)
		}
		for _, f := range sres.Files {
			if f.Path == "extra.bin" {
				t.Errorf("%s: the unsigned file was hashed: %+v", ser.Method, f)
			}
		}
		if c := res.Signature.Checks[len(res.Signature.Checks)-1]; !c.OK || !strings.Contains(c.Detail, "1 unsigned file(s) ignored") {
			t.Errorf("%s: files check %+v", ser.Method, c)
		}
		// A signed file that changed still fails.
		for p := range tamperFiles {
			e.write(p, e.read(p)+"x")
			break
		}
		if _, codes := verify(true); codes[finding.IntegrityMismatch] != 1 {
			t.Errorf("%s: changed file with the option: %v", ser.Method, codes)
		}
	}
}
