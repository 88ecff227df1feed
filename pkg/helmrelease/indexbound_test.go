package helmrelease

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRegressionRepositoryIndexParsedOutsideTheBound (found by review): a chart repository's
// index.yaml, read up to 16 MiB from whatever repository a descriptor names, was parsed as YAML
// in netweave's own process, at some hundred bytes of memory per YAML node, and a node may take
// two bytes: 16 MiB of `urls: [a,a,...]` took 2.4 GiB and 39 s of CPU, and a failed fetch is
// retried, so the process every tenant is served by was OOM-killed again and again. The index
// is now parsed in the rendering child, within its memory and CPU bound, and only the selected
// entry comes back.
func TestRegressionRepositoryIndexParsedOutsideTheBound(t *testing.T) {
	archive := chartArchive(t, "nf", "1.0.0")
	// 4 MiB, two million one-letter YAML nodes: hundreds of MiB to parse.
	bomb := "apiVersion: v1\nentries:\n  nf:\n  - {apiVersion: v2, name: nf, version: 1.0.0, urls: [" + strings.Repeat("a,", 2<<20) + "nf-1.0.0.tgz]}\n"
	ordinary := "apiVersion: v1\nentries:\n  nf:\n  - {apiVersion: v2, name: nf, version: 0.9.0, urls: [nf-0.9.0.tgz]}\n  - {apiVersion: v2, name: nf, version: 1.0.0, urls: [nf-1.0.0.tgz, https://mirror.example/nf-1.0.0.tgz]}\n"
	var index atomic.Value
	repository := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/index.yaml":
			_, _ = w.Write([]byte(index.Load().(string)))
		case "/nf-1.0.0.tgz":
			_, _ = w.Write(archive)
		default:
			http.NotFound(w, r)
		}
	}))
	defer repository.Close()
	f := &Fetcher{HTTP: &http.Client{}, Parse: RenderLimits{Memory: 128 << 20}}
	src := Source{RepoURL: repository.URL, Name: "nf", Version: "1.0.0"}

	// The bomb: past the bound of the child, while this process allocates about what it
	// downloads and encodes for the child, not what parsing it costs.
	index.Store(bomb)
	runtime.GC()
	samples := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(samples)
	allocsBefore, heapBefore := samples[0].Value.Uint64(), samples[1].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	_, err := f.Fetch(context.Background(), src)
	took := time.Since(start)
	close(done)
	<-sampled
	metrics.Read(samples)
	allocated := samples[0].Value.Uint64() - allocsBefore
	grew := int64(peak.Load()) - int64(heapBefore)
	t.Logf("an index of %d MiB: %v in %s; this process allocated %d MiB, its heap grew by at most %d MiB", len(bomb)>>20, err, took.Round(time.Millisecond), allocated>>20, grew>>20)
	if !errors.Is(err, ErrIndexBound) || FailureClass(err) != ClassIndexBound || !strings.Contains(err.Error(), "needed more than 128 MiB") {
		t.Errorf("an index past the parse bound: %v (class %q), want ErrIndexBound, %q, saying \"needed more than 128 MiB\"", err, FailureClass(err), ClassIndexBound)
	}
	// Downloading 4 MiB and encoding it for the child costs some 30 MiB; parsing it here cost
	// 750 MiB (400 MiB live at once).
	const most = 64 << 20
	if allocated > most {
		t.Errorf("fetching an index of %d MiB allocated %d MiB in this process, want at most %d MiB", len(bomb)>>20, allocated>>20, most>>20)
	}
	if grew > most {
		t.Errorf("fetching an index of %d MiB grew this process's heap by %d MiB, want at most %d MiB", len(bomb)>>20, grew>>20, most>>20)
	}

	// An ordinary index: the version asked for is found and fetched, from its first URL.
	index.Store(ordinary)
	fetched, err := f.Fetch(context.Background(), src)
	if err != nil {
		t.Fatalf("fetch from an ordinary index: %v", err)
	}
	if fetched.Chart.Metadata.Version != "1.0.0" {
		t.Errorf("fetched version %s, want 1.0.0", fetched.Chart.Metadata.Version)
	}
	// The index's own failures, classed as before.
	if _, err := f.Fetch(context.Background(), Source{RepoURL: repository.URL, Name: "nf", Version: "2.0.0"}); FailureClass(err) != ClassNotInIndex {
		t.Errorf("a version not in the index: %v, want %q", err, ClassNotInIndex)
	}
	index.Store("entries: [unclosed\n")
	if _, err := f.Fetch(context.Background(), src); FailureClass(err) != ClassBadIndex {
		t.Errorf("an index that is not YAML: %v, want %q", err, ClassBadIndex)
	}
	index.Store("apiVersion: v1\nentries:\n  nf:\n  - {apiVersion: v2, name: nf, version: 1.0.0}\n")
	if _, err := f.Fetch(context.Background(), src); FailureClass(err) != ClassBadIndex {
		t.Errorf("an entry without URLs: %v, want %q", err, ClassBadIndex)
	}
}
