package helmrelease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/registry"
	"k8s.io/klog/v2"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// Source is where a chart comes from: an HTTP chart repository (RepoURL and Name) or an OCI
// reference, at Version, optionally pinned to Digest.
type Source struct {
	// RepoURL is the chart repository's base URL (its index.yaml is RepoURL/index.yaml).
	RepoURL string
	// Name is the chart's name in the repository.
	Name string
	// OCIRef is an oci:// reference without tag (oci://registry/path/chart).
	OCIRef string
	// Version is the chart version (exact; for OCI, the tag).
	Version string
	// Digest, when set, is the "sha256:<hex>" the chart archive (repository) or the OCI
	// manifest must have; anything else is refused.
	Digest string
	// Username and Password authenticate to the repository or registry (basic auth).
	Username, Password string
}

// ID is the identity of the chart src names: a hash of where it comes from (repository URL and
// chart name, or OCI reference), its version and its pinned digest, never the credentials. It
// is short enough for a label value. Two sources of one ID name the same chart, as far as
// netweave can tell without fetching it: an unpinned chart rebuilt at the same version and
// address has the same ID.
func (src Source) ID() string {
	b, err := json.Marshal([]string{src.RepoURL, src.Name, src.OCIRef, src.Version, src.Digest})
	if err != nil {
		// Strings always marshal.
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// ErrDigestMismatch is returned when a pinned chart's digest is not the one fetched.
var ErrDigestMismatch = errors.New("chart digest does not match the pinned digest")

// DefaultMaxChartBytes bounds a chart archive and a repository index.
const DefaultMaxChartBytes = 16 << 20

// Fetcher downloads charts.
type Fetcher struct {
	// HTTP is the client for repositories and registries: NewHTTPClient's, whose dialer
	// holds every connection to the address policy. Required: a Fetcher without one fetches
	// nothing, rather than reach whatever a descriptor names.
	HTTP *http.Client
	// MaxBytes bounds an index or a chart archive; DefaultMaxChartBytes when 0.
	MaxBytes int64
	// PlainHTTPRegistries lets OCI references use http (a local registry in tests).
	PlainHTTPRegistries bool
	// Parse bounds the parse of a repository's index.yaml, which runs in a child process as
	// the renderings of charts' templates do (render_child.go), held to its Memory and its
	// Timeout (wall clock and CPU time); netweave gives it the renderings' limits
	// (Config.Render). A zero field takes its default (DefaultRenderLimits).
	Parse RenderLimits

	parsersOnce sync.Once
	parsers     *renderers
}

// ErrIndexBound is returned when parsing a repository's index went past a bound of the child
// that parses it (Fetcher.Parse): the repository is at fault.
var ErrIndexBound = errors.New("the repository's index went past the bounds of its parse")

// indexParsers are the children that parse repository indexes for f.
func (f *Fetcher) indexParsers() *renderers {
	f.parsersOnce.Do(func() { f.parsers = newRenderers(f.Parse.complete(), nil) })
	return f.parsers
}

// Fetched is a loaded chart and what identifies it.
type Fetched struct {
	Chart *chart.Chart
	// Digest is the sha256 of the archive (repository) or of the OCI manifest.
	Digest string
	// Size is the bytes the chart's archive unpacked to: about what the loaded chart holds.
	Size int64
}

// Fetch downloads and loads src's chart.
func (f *Fetcher) Fetch(ctx context.Context, src Source) (*Fetched, error) {
	var (
		fetched *Fetched
		err     error
	)
	if f.HTTP == nil {
		return nil, errors.New("the chart fetcher has no HTTP client")
	}
	switch {
	case src.OCIRef != "" && src.RepoURL == "":
		fetched, err = f.fetchOCI(ctx, src)
	case src.RepoURL != "" && src.Name != "" && src.OCIRef == "":
		fetched, err = f.fetchRepository(ctx, src)
	default:
		return nil, errors.New("a chart source is either a repository URL and chart name or an OCI reference")
	}
	if err != nil {
		return nil, err
	}
	if src.Digest != "" && !strings.EqualFold(src.Digest, fetched.Digest) {
		return nil, classify(ClassDigestPin, fmt.Errorf("%w: pinned %s, fetched %s", ErrDigestMismatch, src.Digest, fetched.Digest))
	}
	if got := fetched.Chart.Metadata.Version; got != src.Version {
		return nil, classify(ClassWrongVersion, fmt.Errorf("chart %s is version %s, want %s", fetched.Chart.Name(), got, src.Version))
	}
	return fetched, nil
}

func (f *Fetcher) maxBytes() int64 {
	if f.MaxBytes > 0 {
		return f.MaxBytes
	}
	return DefaultMaxChartBytes
}

func (f *Fetcher) fetchRepository(ctx context.Context, src Source) (*Fetched, error) {
	base, err := url.Parse(strings.TrimSuffix(src.RepoURL, "/") + "/")
	if err != nil {
		return nil, fmt.Errorf("chart repository URL: %w", err)
	}
	creds := credentialsOf(src)
	raw, err := f.get(ctx, base.JoinPath("index.yaml"), creds)
	if err != nil {
		return nil, fmt.Errorf("read the index of chart repository %s: %w", src.RepoURL, err)
	}
	// Parsed in a child process, within its bounds (render_child.go's indexEntry).
	cv, err := f.indexParsers().indexEntry(ctx, indexRequest{Raw: raw, Name: src.Name, Version: src.Version})
	var c *classified
	switch {
	case errors.Is(err, ErrIndexBound):
		return nil, classify(ClassIndexBound, fmt.Errorf("chart repository %s: %w", src.RepoURL, err))
	case errors.As(err, &c) && c.class == ClassNotInIndex:
		return nil, classify(ClassNotInIndex, fmt.Errorf("chart %s %s in repository %s: %w", src.Name, src.Version, src.RepoURL, c.err))
	case errors.As(err, &c):
		return nil, classify(c.class, fmt.Errorf("parse the index of chart repository %s: %w", src.RepoURL, c.err))
	case err != nil:
		return nil, fmt.Errorf("parse the index of chart repository %s: %w", src.RepoURL, err)
	}
	if len(cv.URLs) == 0 {
		return nil, classify(ClassBadIndex, fmt.Errorf("chart %s %s in repository %s has no URL", src.Name, src.Version, src.RepoURL))
	}
	// Chart URLs in an index are absolute or relative to the repository.
	ref, err := url.Parse(cv.URLs[0])
	if err != nil {
		return nil, classify(ClassBadIndex, fmt.Errorf("chart %s %s: URL %q: %w", src.Name, src.Version, cv.URLs[0], err))
	}
	at := base.ResolveReference(ref)
	if at.Scheme != "http" && at.Scheme != "https" {
		return nil, classify(ClassBadIndex, fmt.Errorf("chart %s %s: URL %q is not http(s)", src.Name, src.Version, cv.URLs[0]))
	}
	if origin(at) != origin(base) {
		// The index may place archives anywhere (a CDN, another repository). The credentials
		// are the repository's: Helm passes them to another host only when told to
		// (--pass-credentials), and a repository, or whoever controls its index, must not be
		// able to collect them by naming a host of its own.
		klog.FromContext(ctx).V(2).Info("Chart archive is on another host than its repository; fetching it without the pull credentials",
			"chart", src.Name, "version", src.Version, "repository", src.RepoURL)
		creds = nil
	}
	archive, err := f.get(ctx, at, creds)
	if err != nil {
		return nil, fmt.Errorf("download chart %s %s: %w", src.Name, src.Version, err)
	}
	sum := sha256.Sum256(archive)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	// The index's digest is the repository's word on the archive: a mismatch is a broken or
	// tampered repository, refused even without a pin.
	if cv.Digest != "" && !strings.EqualFold("sha256:"+strings.TrimPrefix(cv.Digest, "sha256:"), digest) {
		return nil, classify(ClassIndexDigest, fmt.Errorf("chart %s %s: the archive's digest %s is not the index's %s", src.Name, src.Version, digest, cv.Digest))
	}
	fetched, err := load(archive, src.Name+" "+src.Version)
	if err != nil {
		return nil, err
	}
	fetched.Digest = digest
	return fetched, nil
}

// basicAuth are pull credentials.
type basicAuth struct {
	username, password string
}

// credentialsOf is src's basic auth, nil when it has none.
func credentialsOf(src Source) *basicAuth {
	if src.Username == "" && src.Password == "" {
		return nil
	}
	return &basicAuth{username: src.Username, password: src.Password}
}

// origin is what pull credentials are bound to: the scheme and host:port of u (the port
// explicit), so that neither another host, another port of the same host nor plain http
// instead of https receives them.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), port)
}

// maxRedirects bounds the redirects one GET follows, as net/http's default policy does.
const maxRedirects = 10

// credentialsStayOnOrigin is a CheckRedirect policy that follows redirects but drops the
// Authorization header from a request to another origin than the first request's. net/http
// drops it on a redirect to another domain only, not to another port of the same host or from
// https to http.
func credentialsStayOnOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if origin(req.URL) != origin(via[0].URL) {
		req.Header.Del("Authorization")
	}
	return nil
}

// get reads u, with creds when not nil, bounded by maxBytes. Redirects are followed, but the
// credentials never leave u's origin.
func (f *Fetcher) get(ctx context.Context, u *url.URL, creds *basicAuth) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if creds != nil {
		req.SetBasicAuth(creds.username, creds.password)
	}
	// A copy, so that the redirect policy holds whatever client the Fetcher was given.
	c := *f.HTTP
	c.CheckRedirect = credentialsStayOnOrigin
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{URL: u.String(), Code: resp.StatusCode}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes()+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(data)) > f.maxBytes() {
		return nil, classify(ClassTooLarge, fmt.Errorf("GET %s: larger than %d bytes", u, f.maxBytes()))
	}
	return data, nil
}

// maxManifestBytes bounds an OCI manifest. A Helm chart's names a config and one or two
// layers in well under a kilobyte; oras-go's own default for metadata is 4 MiB.
const maxManifestBytes = 64 << 10

// fetchOCI pulls the chart at src.OCIRef:src.Version with oras-go rather than Helm's registry
// client, for three reasons that are each a tenant's lever on netweave (the reference is
// theirs): Helm's client falls back to the Helm and Docker credential files and helpers of
// netweave's own home when the source has no credentials, so a tenant could pull the
// operator's private charts with the operator's identity; it copies every blob of the graph
// into memory with no size bound, so a manifest declaring a layer of gigabytes is read whole;
// and it pulls with context.Background, so a slow registry is not cut off when the
// reconcile's context is. Here credentials are the source's only, offered to its own registry
// host only, the manifest and the chart layer are checked against the size limit before a
// byte of them is read, and the request's context bounds every call.
func (f *Fetcher) fetchOCI(ctx context.Context, src Source) (*Fetched, error) {
	// An OCI tag cannot hold "+": Helm pushes a chart of version 1.2.3+build.1 under the tag
	// 1.2.3_build.1 and pulls it by that tag, and so does this (the chart's own version, checked
	// after the pull, keeps its "+").
	tag := strings.ReplaceAll(src.Version, "+", "_")
	ref := strings.TrimPrefix(src.OCIRef, "oci://") + ":" + tag
	repository, err := remote.NewRepository(ref)
	if err != nil {
		return nil, classify(ClassRegistry, fmt.Errorf("OCI reference %s: %w", ref, err))
	}
	repository.PlainHTTP = f.PlainHTTPRegistries
	repository.MaxMetadataBytes = maxManifestBytes
	repository.ManifestMediaTypes = []string{ocispec.MediaTypeImageManifest}
	// A copy, so that the redirect policy holds whatever client the Fetcher was given: registries
	// redirect blob downloads to storage hosts, which must not receive the credentials.
	httpClient := *f.HTTP
	httpClient.CheckRedirect = credentialsStayOnOrigin
	client := &auth.Client{Client: &httpClient}
	if src.Username != "" || src.Password != "" {
		client.Credential = auth.StaticCredential(repository.Reference.Registry, auth.Credential{Username: src.Username, Password: src.Password})
	}
	repository.Client = client

	desc, raw, err := oras.FetchBytes(ctx, repository, tag, oras.FetchBytesOptions{MaxBytes: maxManifestBytes})
	if err != nil {
		return nil, classifyOverTransport(ClassRegistry, fmt.Errorf("pull the manifest of chart %s: %w", ref, err))
	}
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return nil, classify(ClassBadChart, fmt.Errorf("chart %s: the registry answered a %q, not an image manifest", ref, desc.MediaType))
	}
	var manifest ocispec.Manifest
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return nil, classify(ClassBadChart, fmt.Errorf("chart %s: parse the manifest: %w", ref, err))
	}
	layer, err := chartLayerOf(manifest)
	if err != nil {
		return nil, classify(ClassBadChart, fmt.Errorf("chart %s: %w", ref, err))
	}
	if layer.Size > f.maxBytes() {
		return nil, classify(ClassTooLarge, fmt.Errorf("chart %s: its layer is %d bytes, the limit is %d", ref, layer.Size, f.maxBytes()))
	}
	// FetchAll reads exactly layer.Size bytes and checks them against layer.Digest.
	data, err := content.FetchAll(ctx, repository.Blobs(), layer)
	if err != nil {
		return nil, classifyOverTransport(ClassRegistry, fmt.Errorf("pull the chart layer of %s: %w", ref, err))
	}
	fetched, err := load(data, ref)
	if err != nil {
		return nil, err
	}
	fetched.Digest = desc.Digest.String()
	return fetched, nil
}

// chartLayerOf is the one Helm chart layer of manifest.
func chartLayerOf(manifest ocispec.Manifest) (ocispec.Descriptor, error) {
	var found []ocispec.Descriptor
	for _, l := range manifest.Layers {
		if l.MediaType == registry.ChartLayerMediaType || l.MediaType == registry.LegacyChartLayerMediaType {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		return ocispec.Descriptor{}, fmt.Errorf("the manifest has %d Helm chart layers, want 1", len(found))
	}
	return found[0], nil
}
