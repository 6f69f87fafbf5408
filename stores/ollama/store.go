package ollama

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/safeio"
	"github.com/modelvet/modelvet/internal/textsafe"
	"github.com/modelvet/modelvet/stores"
)

// Root returns the Ollama store used by default: $OLLAMA_MODELS, else
// ~/.ollama/models.
func Root() string {
	if locs := userLocation(); locs != nil {
		return locs[0].Path
	}
	return filepath.Join(".ollama", "models")
}

// Locations returns the stores Ollama uses by default, and what chose
// them: $OLLAMA_MODELS, else ~/.ollama/models, and the store of the Linux
// service account, /usr/share/ollama/.ollama/models.
func Locations() []stores.Location {
	return append(userLocation(), stores.Location{Path: "/usr/share/ollama/.ollama/models", From: "default"})
}

func userLocation() []stores.Location {
	if d := os.Getenv("OLLAMA_MODELS"); d != "" {
		return []stores.Location{{Path: d, From: "OLLAMA_MODELS"}}
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return []stores.Location{{Path: filepath.Join(home, ".ollama", "models"), From: "default"}}
	}
	return nil
}

// IsStore reports whether dir is the root of an Ollama store: blobs/ and
// manifests/ (or manifests-v2/).
func IsStore(dir string) bool {
	return safeio.IsDir(filepath.Join(dir, "blobs")) && (safeio.IsDir(filepath.Join(dir, "manifests")) || safeio.IsDir(filepath.Join(dir, "manifests-v2")))
}

// Find locates the manifest of n in the store at root: manifests-v2
// first (public models under ollama.com), then the legacy manifests
// folder (registry.ollama.ai), matching names without regard to case as
// Ollama does. It returns the path and the path relative to root,
// slash-separated.
func Find(root string, n Name) (path, rel string, ok bool) {
	type cand struct{ dir, host string }
	var cands []cand
	if isPublicHost(n.Host) {
		cands = []cand{{"manifests-v2", v2Host}, {"manifests-v2", defaultHost}, {"manifests", defaultHost}, {"manifests", v2Host}}
	} else {
		cands = []cand{{"manifests-v2", n.Host}, {"manifests", n.Host}}
	}
	for _, c := range cands {
		parts := []string{c.dir, c.host, n.Namespace, n.Model, n.Tag}
		if p, ok := lookupFold(root, parts); ok {
			relp, _ := filepath.Rel(root, p)
			return p, filepath.ToSlash(relp), true
		}
	}
	return "", "", false
}

// lookupFold joins parts under root, matching each part exactly or, failing
// that, without regard to case.
func lookupFold(root string, parts []string) (string, bool) {
	p := root
	for i, part := range parts {
		next := filepath.Join(p, part)
		if _, err := os.Lstat(next); err != nil {
			entries, err := os.ReadDir(p)
			if err != nil {
				return "", false
			}
			found := false
			for _, e := range entries {
				if strings.EqualFold(e.Name(), part) {
					next, found = filepath.Join(p, e.Name()), true
					break
				}
			}
			if !found {
				return "", false
			}
		}
		if i < len(parts)-1 && !safeio.IsDir(next) {
			return "", false
		}
		p = next
	}
	return p, true
}

// ManifestName returns the name of the model whose manifest is at rel, a
// slash-separated path below a store root
// (manifests[-v2]/HOST/NAMESPACE/MODEL/TAG), spelt as on disk; a public
// model kept under manifests-v2/ollama.com is named under
// registry.ollama.ai. The parts are not checked (see ParseName).
func ManifestName(rel string) (Name, bool) {
	parts := strings.Split(rel, "/")
	if len(parts) != 5 || parts[0] != "manifests" && parts[0] != "manifests-v2" {
		return Name{}, false
	}
	n := Name{Host: parts[1], Namespace: parts[2], Model: parts[3], Tag: parts[4]}
	if strings.EqualFold(n.Host, v2Host) {
		n.Host = defaultHost
	}
	return n, true
}

// Model is a model found by listing a store.
type Model struct {
	Name     Name
	Manifest string // the manifest file's path
}

// List enumerates the manifests of the store at root, sorted by name;
// names found in both manifest folders are listed once, and at most
// limits.MaxStoreModels are. Folders that cannot be read are problems. ok
// is false when root has no manifests folder.
func List(root string) (models []Model, problems []stores.Problem, ok bool) {
	seen := map[string]bool{}
	for _, dir := range []string{"manifests-v2", "manifests"} {
		base := filepath.Join(root, dir)
		if !safeio.IsDir(base) {
			continue
		}
		ok = true
		hosts, err := os.ReadDir(base)
		if err != nil {
			problems = append(problems, unreadable(base, err))
			continue
		}
		for _, h := range hosts {
			for _, ns := range readDirs(filepath.Join(base, h.Name()), &problems) {
				for _, m := range readDirs(filepath.Join(base, h.Name(), ns), &problems) {
					dir := filepath.Join(base, h.Name(), ns, m)
					tags, err := os.ReadDir(dir)
					if err != nil {
						problems = append(problems, unreadable(dir, err))
						continue
					}
					for _, t := range tags {
						if t.IsDir() || !(t.Type().IsRegular() || t.Type()&fs.ModeSymlink != 0) {
							continue
						}
						n := Name{Host: h.Name(), Namespace: ns, Model: m, Tag: t.Name()}
						if _, err := ParseName(n.Full()); err != nil {
							continue
						}
						key := strings.ToLower(n.String())
						if seen[key] {
							continue
						}
						if len(models) >= limits.MaxStoreModels {
							problems = append(problems, stores.Problem{Path: root, Message: fmt.Sprintf("store lists more than %d models; the rest were not listed", limits.MaxStoreModels)})
							return sortModels(models), problems, true
						}
						seen[key] = true
						models = append(models, Model{Name: n, Manifest: filepath.Join(dir, t.Name())})
					}
				}
			}
		}
	}
	return sortModels(models), problems, ok
}

func sortModels(models []Model) []Model {
	slices.SortFunc(models, func(a, b Model) int { return strings.Compare(a.Name.String(), b.Name.String()) })
	return models
}

func unreadable(dir string, err error) stores.Problem {
	return stores.Problem{Path: dir, Message: "cannot be read: " + safeio.PathErrorCause(err).Error(), Err: err}
}

// readDirs lists the sub-directories of dir, recording a problem when it
// cannot be read.
func readDirs(dir string, problems *[]stores.Problem) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		*problems = append(*problems, unreadable(dir, err))
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// Store reads the files of one store, following a symbolic link only to a
// regular file inside it: manifests-v2 entries are links to manifest
// blobs, and a hostile store may link elsewhere.
type Store struct {
	root, rootReal string
}

// Open returns the store at root, an absolute path (see IsStore).
func Open(root string) (*Store, error) {
	rootReal, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	return &Store{root: root, rootReal: rootReal}, nil
}

// ReadManifest reads the manifest file at path (as Find returns it),
// within limits.MaxJSONBytes, and returns its bytes and their SHA-256
// digest ("sha256:<hex>").
func (s *Store) ReadManifest(path string) (data []byte, digest string, err error) {
	target, _, err := safeio.ResolveInside(path, s.rootReal)
	if err != nil {
		return nil, "", err
	}
	data, err = safeio.ReadFile(target, limits.MaxJSONBytes)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(data)
	return data, "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Blob returns the path of the blob with the given hex digest (blobs/
// sha256-<hex>), if the store has it as a regular file.
func (s *Store) Blob(hexDigest string) (string, error) {
	return safeio.FileInside(filepath.Join(s.root, "blobs", "sha256-"+hexDigest), s.rootReal, "blob")
}

// ReadManifestBlob reads and parses the manifest a manifest-list entry
// refers to, checking its bytes against the digest.
func (s *Store) ReadManifestBlob(digest string) (*Manifest, error) {
	h, ok := ParseDigest(digest)
	if !ok {
		return nil, fmt.Errorf("invalid digest %q", textsafe.Truncate(digest, 40))
	}
	p, err := s.Blob(h)
	if err != nil {
		return nil, err
	}
	data, err := safeio.ReadFile(p, limits.MaxJSONBytes)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != h {
		return nil, fmt.Errorf("manifest blob does not match its digest")
	}
	return ParseManifest(data)
}
