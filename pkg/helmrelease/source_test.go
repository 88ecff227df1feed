package helmrelease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	repo "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"
)

// chartArchive packages an empty chart name at version.
func chartArchive(t *testing.T, name, version string) []byte {
	t.Helper()
	ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: name, Version: version}}
	path, err := chartutil.Save(ch, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// indexOf is a repository index listing archive (the bytes) as name at version, at the
// archive URL archiveURL (absolute, or relative to the repository).
func indexOf(t *testing.T, name, version, archiveURL string, archive []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(archive)
	index := repo.NewIndexFile()
	if err := index.MustAdd(&chart.Metadata{APIVersion: chart.APIVersionV2, Name: name, Version: version}, filepath.Base(archiveURL), "", hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	index.Entries[name][0].URLs = []string{archiveURL}
	out, err := yaml.Marshal(index)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// authLog records the Authorization header of each request by path.
type authLog struct {
	mu   sync.Mutex
	seen map[string][]string
}

func (l *authLog) record(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string][]string{}
	}
	l.seen[r.URL.Path] = append(l.seen[r.URL.Path], r.Header.Get("Authorization"))
}

func (l *authLog) of(path string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[path]
}

// TestRegressionPullCredentialsStayOnRepositoryHost: a repository's index may name its
// archives on any host, and the archive was fetched with the repository's pull credentials
// wherever it was, so whoever controls an index could collect them. They now go to the
// repository's own scheme and host:port only, redirects included.
func TestRegressionPullCredentialsStayOnRepositoryHost(t *testing.T) {
	archive := chartArchive(t, "nf", "1.0.0")
	var elsewhereLog authLog
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhereLog.record(r)
		_, _ = w.Write(archive)
	}))
	defer elsewhere.Close()
	var repoLog authLog
	var index []byte
	repository := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		repoLog.record(r)
		switch r.URL.Path {
		case "/charts/index.yaml":
			_, _ = w.Write(index)
		case "/charts/nf-1.0.0.tgz":
			_, _ = w.Write(archive)
		case "/charts/moved/nf-1.0.0.tgz":
			// Another port of the same host: net/http would keep the credentials.
			http.Redirect(w, r, elsewhere.URL+"/redirected/nf-1.0.0.tgz", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer repository.Close()

	f := &Fetcher{HTTP: &http.Client{}}
	src := Source{RepoURL: repository.URL + "/charts", Name: "nf", Version: "1.0.0", Username: "u", Password: "p"}
	wantAuth := "Basic dTpw" // u:p
	fetch := func(archiveURL string) {
		t.Helper()
		index = indexOf(t, "nf", "1.0.0", archiveURL, archive)
		got, err := f.Fetch(context.Background(), src)
		if err != nil {
			t.Fatalf("fetch with the archive at %s: %v", archiveURL, err)
		}
		if got.Chart.Name() != "nf" {
			t.Fatalf("fetched %q", got.Chart.Name())
		}
	}

	// The index names the archive on another server.
	fetch(elsewhere.URL + "/other/nf-1.0.0.tgz")
	if got := repoLog.of("/charts/index.yaml"); len(got) != 1 || got[0] != wantAuth {
		t.Errorf("the repository's index was read with Authorization %q, want the credentials", got)
	}
	if got := elsewhereLog.of("/other/nf-1.0.0.tgz"); len(got) != 1 || got[0] != "" {
		t.Errorf("the other host received Authorization %q, want none", got)
	}

	// The archive in the repository, relative or absolute: the credentials go with it.
	fetch("nf-1.0.0.tgz")
	fetch(repository.URL + "/charts/nf-1.0.0.tgz")
	if got := repoLog.of("/charts/nf-1.0.0.tgz"); len(got) != 2 || got[0] != wantAuth || got[1] != wantAuth {
		t.Errorf("the repository's archive was read with Authorization %q, want the credentials", got)
	}

	// The repository redirects the archive to another origin.
	fetch("moved/nf-1.0.0.tgz")
	if got := repoLog.of("/charts/moved/nf-1.0.0.tgz"); len(got) != 1 || got[0] != wantAuth {
		t.Errorf("the repository's redirect was asked with Authorization %q, want the credentials", got)
	}
	if got := elsewhereLog.of("/redirected/nf-1.0.0.tgz"); len(got) != 1 || got[0] != "" {
		t.Errorf("the redirect's target received Authorization %q, want none", got)
	}
}
