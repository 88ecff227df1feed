package helmrelease

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"testing"
)

// TestRegressionNullEntryInRepositoryIndexCrashesController: whoever may write a descriptor
// chooses its chart repository, and the fetcher parsed that repository's index.yaml itself,
// without Helm's loadIndex, which drops null entries and gives an entry without metadata an
// empty one. A version entry that is null, or has no metadata ("- urls: [...]"), made Helm's
// IndexFile.Get (and SortEntries, with two entries) dereference nil in the O2-DMS controller's
// worker, which recovers nothing: the whole netweave process died, and again on every restart
// while the NfDeployment stayed. Such entries are now left out, as Helm does.
func TestRegressionNullEntryInRepositoryIndexCrashesController(t *testing.T) {
	archive := chartArchive(t, "nf", "1.0.0")
	for name, tc := range map[string]struct {
		entries string
		found   bool // the valid entry beside it is fetched
	}{
		"null entry":                  {"  - null\n", false},
		"entry without metadata":      {"  - urls: [nf-1.0.0.tgz]\n", false},
		"null among others (sorting)": {"  - null\n  - {name: nf, version: 1.0.0, urls: [nf-1.0.0.tgz]}\n", true},
		"no metadata among others":    {"  - {urls: [x.tgz]}\n  - {name: nf, version: 1.0.0, urls: [nf-1.0.0.tgz]}\n", true},
	} {
		t.Run(name, func(t *testing.T) {
			index := "apiVersion: v1\nentries:\n  nf:\n" + tc.entries
			repository := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/index.yaml":
					_, _ = w.Write([]byte(index))
				case "/nf-1.0.0.tgz":
					_, _ = w.Write(archive)
				default:
					http.NotFound(w, r)
				}
			}))
			defer repository.Close()
			f := &Fetcher{HTTP: &http.Client{}}
			src := Source{RepoURL: repository.URL, Name: "nf", Version: "1.0.0"}
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("panic: %v", p)
						t.Errorf("fetch from an index with a %s panicked: %v\n%s", name, p, debug.Stack())
					}
				}()
				_, err = f.Fetch(context.Background(), src)
			}()
			if tc.found && err != nil {
				t.Errorf("fetch beside the invalid entry: %v, want the valid entry's chart", err)
			}
			if !tc.found && err == nil {
				t.Errorf("fetch from an index with only a %s succeeded", name)
			}
		})
	}
}
