package apiserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/notify"
)

// TestChartFetchRefusesLoopbackAndLinkLocal: a descriptor's repository URL, and the archive
// URL its index names, were fetched from whatever address they named, so whoever may write a
// descriptor could make netweave GET loopback, the metadata service or private networks and
// read what answered in status. The controller's fetcher now refuses them before connecting,
// redirects included, unless --o2dms-chart-allowed-cidrs allows them.
func TestChartFetchRefusesLoopbackAndLinkLocal(t *testing.T) {
	var archiveHits, repoHits atomic.Int32
	archives := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		archiveHits.Add(1)
		_, _ = w.Write([]byte("not a chart"))
	}))
	defer archives.Close()
	var archiveURL atomic.Value
	repository := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		repoHits.Add(1)
		switch r.URL.Path {
		case "/index.yaml":
			fmt.Fprintf(w, "apiVersion: v1\nentries:\n  nf:\n  - {apiVersion: v2, name: nf, version: 1.0.0, urls: [%q]}\n", archiveURL.Load())
		case "/redirect/metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/nf-1.0.0.tgz", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer repository.Close()
	archivePort, repoPort := archives.Listener.Addr().(*net.TCPAddr).Port, repository.Listener.Addr().(*net.TCPAddr).Port

	fetch := func(allowed []string, repoURL, archive string) error {
		t.Helper()
		prefixes, err := notify.ParsePrefixes(allowed)
		if err != nil {
			t.Fatal(err)
		}
		archiveURL.Store(archive)
		_, err = newChartFetcher(&O2DMSConfig{ChartAllowedPrefixes: prefixes}).Fetch(context.Background(),
			helmrelease.Source{RepoURL: repoURL, Name: "nf", Version: "1.0.0", Username: "u", Password: "p"})
		if err == nil {
			t.Fatalf("fetched a chart from %s (archive %s)", repoURL, archive)
		}
		return err
	}
	refused := func(what string, err error) {
		t.Helper()
		if got := helmrelease.FailureClass(err); got != helmrelease.ClassAddressRefused {
			t.Errorf("%s: %v (class %q), want %q", what, err, got, helmrelease.ClassAddressRefused)
		}
	}

	// The repository URL itself, by default: nothing special-purpose is dialed.
	for _, repoURL := range []string{repository.URL, fmt.Sprintf("http://localhost:%d", repoPort),
		"http://169.254.169.254/charts", "http://[::ffff:169.254.169.254]/charts", "http://[::1]:1/charts"} {
		refused("repository "+repoURL, fetch(nil, repoURL, ""))
	}
	if n := repoHits.Load(); n != 0 {
		t.Fatalf("the repository on loopback was reached %d times", n)
	}

	// A repository allowed by address: archives elsewhere are still refused.
	allowRepo := []string{"127.0.0.1/32"}
	for _, archive := range []string{"http://169.254.169.254/latest/meta-data/nf-1.0.0.tgz",
		fmt.Sprintf("http://127.0.0.2:%d/nf-1.0.0.tgz", archivePort), "redirect/metadata"} {
		refused("archive "+archive, fetch(allowRepo, repository.URL, archive))
	}
	if repoHits.Load() == 0 {
		t.Error("the allow-listed repository was not reached")
	}
	if n := archiveHits.Load(); n != 0 {
		t.Fatalf("a refused archive address was reached %d times", n)
	}

	// Allow-listed, loopback is dialed (the archive is not a chart, so the fetch still fails).
	err := fetch([]string{"127.0.0.0/8"}, repository.URL, fmt.Sprintf("http://127.0.0.1:%d/nf-1.0.0.tgz", archivePort))
	if archiveHits.Load() != 1 || helmrelease.FailureClass(err) != helmrelease.ClassBadChart {
		t.Errorf("allow-listed archive: %d hits, %v (class %q)", archiveHits.Load(), err, helmrelease.FailureClass(err))
	}
}
