package helmrelease

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	godigest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"helm.sh/helm/v4/pkg/registry"
)

// ociRegistry is a registry serving one chart manifest at repository "charts/nf": the
// distribution API's manifest and blob paths, nothing else.
type ociRegistry struct {
	*httptest.Server
	auth      authLog
	manifest  []byte
	blobs     map[godigest.Digest][]byte
	requireAs string // when set, the Authorization every request must carry
	// blobsAt, when set, is a server the registry redirects blob downloads to, as registries
	// do to their storage.
	blobsAt string
}

// newOCIRegistry serves archive as chart nf, tagged version. declaredSize, when > 0, is the
// layer size the manifest states instead of the archive's.
func newOCIRegistry(t *testing.T, archive []byte, version string, declaredSize int64) *ociRegistry {
	t.Helper()
	config := []byte(`{"name":"nf","version":"` + version + `","apiVersion":"v2"}`)
	layer := ocispec.Descriptor{MediaType: registry.ChartLayerMediaType, Digest: godigest.FromBytes(archive), Size: int64(len(archive))}
	if declaredSize > 0 {
		layer.Size = declaredSize
	}
	manifest, err := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    ocispec.Descriptor{MediaType: registry.ConfigMediaType, Digest: godigest.FromBytes(config), Size: int64(len(config))},
		Layers:    []ocispec.Descriptor{layer},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &ociRegistry{manifest: manifest, blobs: map[godigest.Digest][]byte{layer.Digest: archive, godigest.FromBytes(config): config}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve(version)))
	t.Cleanup(r.Close)
	return r
}

func (r *ociRegistry) serve(version string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, req *http.Request) {
		r.auth.record(req)
		if r.requireAs != "" && req.Header.Get("Authorization") != r.requireAs {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch {
		case req.URL.Path == "/v2/charts/nf/manifests/"+version:
			w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
			w.Header().Set("Docker-Content-Digest", godigest.FromBytes(r.manifest).String())
			_, _ = w.Write(r.manifest)
		case strings.HasPrefix(req.URL.Path, "/v2/charts/nf/blobs/") && r.blobsAt != "":
			http.Redirect(w, req, r.blobsAt+req.URL.Path, http.StatusTemporaryRedirect)
		case strings.HasPrefix(req.URL.Path, "/v2/charts/nf/blobs/"):
			blob, ok := r.blobs[godigest.Digest(strings.TrimPrefix(req.URL.Path, "/v2/charts/nf/blobs/"))]
			if !ok {
				http.NotFound(w, req)
				return
			}
			_, _ = w.Write(blob)
		default:
			http.NotFound(w, req)
		}
	}
}

// ref is the oci:// reference of the chart.
func (r *ociRegistry) ref() string {
	return "oci://" + strings.TrimPrefix(r.URL, "http://") + "/charts/nf"
}

// requested reports whether any request asked for a blob.
func (r *ociRegistry) blobRequested() bool {
	r.auth.mu.Lock()
	defer r.auth.mu.Unlock()
	for path := range r.auth.seen {
		if strings.Contains(path, "/blobs/") {
			return true
		}
	}
	return false
}

func TestOCIPullWithTheSourcesCredentials(t *testing.T) {
	archive := chartArchive(t, "nf", "1.0.0")
	reg := newOCIRegistry(t, archive, "1.0.0", 0)
	reg.requireAs = "Basic dTpw" // u:p
	f := &Fetcher{HTTP: &http.Client{}, PlainHTTPRegistries: true}

	got, err := f.Fetch(context.Background(), Source{OCIRef: reg.ref(), Version: "1.0.0", Username: "u", Password: "p"})
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if got.Chart.Name() != "nf" || got.Chart.Metadata.Version != "1.0.0" {
		t.Fatalf("pulled %s %s", got.Chart.Name(), got.Chart.Metadata.Version)
	}
	if want := godigest.FromBytes(reg.manifest).String(); got.Digest != want {
		t.Errorf("digest %s, want the manifest's %s", got.Digest, want)
	}

	// The registry sends blob downloads to its storage: they get no credentials there.
	var storageLog authLog
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		storageLog.record(req)
		blob, ok := reg.blobs[godigest.Digest(strings.TrimPrefix(req.URL.Path, "/v2/charts/nf/blobs/"))]
		if !ok {
			http.NotFound(w, req)
			return
		}
		_, _ = w.Write(blob)
	}))
	defer storage.Close()
	reg.blobsAt = storage.URL
	if _, err := f.Fetch(context.Background(), Source{OCIRef: reg.ref(), Version: "1.0.0", Username: "u", Password: "p"}); err != nil {
		t.Fatalf("pull with the blobs redirected: %v", err)
	}
	storageLog.mu.Lock()
	if len(storageLog.seen) == 0 {
		t.Error("the blob redirect was not followed")
	}
	for path, seen := range storageLog.seen {
		for _, a := range seen {
			if a != "" {
				t.Errorf("the registry's storage received Authorization %q for %s", a, path)
			}
		}
	}
	storageLog.mu.Unlock()
	reg.blobsAt = ""

	// Pinned to another digest: refused.
	_, err = f.Fetch(context.Background(), Source{OCIRef: reg.ref(), Version: "1.0.0", Username: "u", Password: "p",
		Digest: godigest.FromString("other").String()})
	if !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("pinned to another digest: %v, want %v", err, ErrDigestMismatch)
	}
}

// TestRegressionOCIIgnoresNetweavesCredentialFiles: Helm's registry client, given no
// credentials, used those of the Helm and Docker configuration in netweave's own home, so a
// tenant's NfDeploymentDescriptor naming the operator's private registry was pulled with the
// operator's identity. A source without credentials now pulls anonymously.
func TestRegressionOCIIgnoresNetweavesCredentialFiles(t *testing.T) {
	archive := chartArchive(t, "nf", "1.0.0")
	reg := newOCIRegistry(t, archive, "1.0.0", 0)
	operators := "Basic " + base64.StdEncoding.EncodeToString([]byte("operator:secret"))
	reg.requireAs = operators

	host := strings.TrimPrefix(reg.URL, "http://")
	config := []byte(`{"auths":{"` + host + `":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("operator:secret")) + `"}}}`)
	home := t.TempDir()
	for _, path := range []string{filepath.Join(home, "docker", "config.json"), filepath.Join(home, "helm", "registry", "config.json")} {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, config, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("DOCKER_CONFIG", filepath.Join(home, "docker"))
	t.Setenv("HELM_CONFIG_HOME", filepath.Join(home, "helm"))
	t.Setenv("HOME", home)

	f := &Fetcher{HTTP: &http.Client{}, PlainHTTPRegistries: true}
	_, err := f.Fetch(context.Background(), Source{OCIRef: reg.ref(), Version: "1.0.0"})
	if err == nil {
		t.Fatal("a source without credentials pulled from a registry that requires the operator's")
	}
	if class := FailureClass(err); class != ClassRegistry {
		t.Errorf("class %q, want %q (%v)", class, ClassRegistry, err)
	}
	reg.auth.mu.Lock()
	defer reg.auth.mu.Unlock()
	for path, seen := range reg.auth.seen {
		for _, a := range seen {
			if a == operators {
				t.Errorf("%s was requested with the operator's credentials from netweave's home", path)
			}
		}
	}
}

// TestRegressionOCILayerBoundedBeforeDownload: Helm's registry client copied every blob a
// manifest named into memory whatever its size, and the chart size limit was checked only
// afterwards, so a registry could make netweave hold a layer of gigabytes. The layer's
// declared size is now checked first, and a layer over the limit is never requested.
func TestRegressionOCILayerBoundedBeforeDownload(t *testing.T) {
	archive := chartArchive(t, "nf", "1.0.0")
	f := &Fetcher{HTTP: &http.Client{}, PlainHTTPRegistries: true, MaxBytes: int64(len(archive)) - 1}

	reg := newOCIRegistry(t, archive, "1.0.0", 0)
	_, err := f.Fetch(context.Background(), Source{OCIRef: reg.ref(), Version: "1.0.0"})
	if class := FailureClass(err); class != ClassTooLarge {
		t.Fatalf("a layer over the limit: class %q, want %q (%v)", class, ClassTooLarge, err)
	}
	if reg.blobRequested() {
		t.Error("the layer over the limit was requested")
	}

	// A manifest that understates the layer: oras-go reads no more than the declared size,
	// and the digest check refuses what it read.
	reg = newOCIRegistry(t, archive, "1.0.0", 16)
	_, err = f.Fetch(context.Background(), Source{OCIRef: reg.ref(), Version: "1.0.0"})
	if err == nil {
		t.Fatal("a layer longer than its manifest says was accepted")
	}
}
