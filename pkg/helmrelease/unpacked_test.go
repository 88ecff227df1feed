package helmrelease

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// archiveOf is a gzipped tar of a chart nf 1.0.0 with, besides its Chart.yaml, a template of
// bigBytes zeros and extra empty files.
func archiveOf(t *testing.T, bigBytes int64, extra int) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	add := func(name string, size int64, content io.Reader) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(tw, content, size); err != nil {
			t.Fatal(err)
		}
	}
	meta := "apiVersion: v2\nname: nf\nversion: 1.0.0\n"
	add("nf/Chart.yaml", int64(len(meta)), bytes.NewReader([]byte(meta)))
	add("nf/templates/big.yaml", bigBytes, zeros{})
	for i := range extra {
		add(fmt.Sprintf("nf/files/%d", i), 0, zeros{})
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestRegressionChartUnpackBounded: a chart archive within the download limit may unpack to
// far more (a template of zeros compresses a thousandfold), and Helm's loader took up to
// 100 MiB of it into memory per chart, kept afterwards in the chart cache. An archive that
// unpacks past MaxUnpackedChartBytes, or holds more than maxChartFiles files, is now refused
// as too large before it is loaded.
func TestRegressionChartUnpackBounded(t *testing.T) {
	var archive []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/charts/index.yaml" {
			_, _ = w.Write(indexOf(t, "nf", "1.0.0", "nf-1.0.0.tgz", archive))
			return
		}
		_, _ = w.Write(archive)
	}))
	defer srv.Close()
	f := &Fetcher{HTTP: &http.Client{}}
	src := Source{RepoURL: srv.URL + "/charts", Name: "nf", Version: "1.0.0"}

	archive = archiveOf(t, MaxUnpackedChartBytes+1, 0)
	if len(archive) > 1<<20 {
		t.Fatalf("the test archive is %d bytes, meant to be small", len(archive))
	}
	_, err := f.Fetch(context.Background(), src)
	if class := FailureClass(err); class != ClassTooLarge {
		t.Errorf("an archive of %d bytes unpacking past the limit: class %q, want %q (%v)", len(archive), class, ClassTooLarge, err)
	}

	archive = archiveOf(t, 0, maxChartFiles)
	_, err = f.Fetch(context.Background(), src)
	if class := FailureClass(err); class != ClassTooLarge {
		t.Errorf("an archive of %d files: class %q, want %q (%v)", maxChartFiles+2, class, ClassTooLarge, err)
	}

	// Within both limits: loaded, its size the bytes it unpacked to.
	archive = archiveOf(t, 1<<20, 10)
	got, err := f.Fetch(context.Background(), src)
	if err != nil {
		t.Fatalf("an archive within the limits: %v", err)
	}
	if want := int64(1<<20 + len("apiVersion: v2\nname: nf\nversion: 1.0.0\n")); got.Size != want {
		t.Errorf("size %d, want %d", got.Size, want)
	}
}
