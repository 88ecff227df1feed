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
	"strings"
	"testing"
)

// archiveOf is a gzipped tar of a chart nf 1.0.0 with, besides its Chart.yaml, a template of
// bigBytes zeros and extra empty files.
func archiveOf(t *testing.T, bigBytes int64, extra int) []byte {
	t.Helper()
	files := []tarFile{chartYAML("nf"), {"nf/templates/big.yaml", bigBytes, zeros{}}}
	for i := range extra {
		files = append(files, tarFile{fmt.Sprintf("nf/files/%d", i), 0, zeros{}})
	}
	return tgzOf(t, files...)
}

// tarFile is a file of a test archive: size bytes read from content.
type tarFile struct {
	name    string
	size    int64
	content io.Reader
}

// chartYAML is the Chart.yaml of chart name 1.0.0, in the directory name.
func chartYAML(name string) tarFile {
	meta := "apiVersion: v2\nname: " + name + "\nversion: 1.0.0\n"
	return tarFile{name + "/Chart.yaml", int64(len(meta)), bytes.NewReader([]byte(meta))}
}

// subchart is the archive of a chart name holding files, as the file <parent>/charts/name.tgz.
func subchart(t *testing.T, parent, name string, files ...tarFile) tarFile {
	t.Helper()
	b := tgzOf(t, append([]tarFile{chartYAML(name)}, files...)...)
	return tarFile{parent + "/charts/" + name + ".tgz", int64(len(b)), bytes.NewReader(b)}
}

// tgzOf is a gzipped tar of files.
func tgzOf(t *testing.T, files ...tarFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: f.size, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(tw, f.content, f.size); err != nil {
			t.Fatal(err)
		}
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

// TestRegressionSubchartArchivesCountToTheUnpackBound (found by review): a subchart shipped as
// charts/<name>.tgz counted as its compressed size, but Helm's loader unpacks it too (up to its
// own 100 MiB, per archive, at any depth): an 804-byte chart loaded 72 MiB, and its Fetched.Size
// (what the chart cache budgets) was the small outer size. What every subchart archive unpacks
// to counts to the same bound and to Fetched.Size, and archives nest at most maxSubchartDepth.
func TestRegressionSubchartArchivesCountToTheUnpackBound(t *testing.T) {
	subchartArchivesBounded(t, "", func(f tarFile) tarFile { return f })
}

// TestRegressionBackslashSubchartArchiveCountsToTheUnpackBound (found by review): Helm's
// loader reads an archive entry whose name holds a backslash as a Windows path
// (`nf\charts\sub.tgz` is its charts/sub.tgz) and unpacks that subchart archive with a fresh
// 100 MiB budget of its own, and every archive inside it likewise, but the unpack bound split
// names on "/" only and counted such an entry at its compressed size. A descriptor's chart of
// a few kilobytes then made netweave's own process hold what nested archives unpack to, past
// MaxUnpackedChartBytes and maxSubchartDepth. Such an entry now counts as the subchart Helm
// loads it as.
func TestRegressionBackslashSubchartArchiveCountsToTheUnpackBound(t *testing.T) {
	subchartArchivesBounded(t, " named with backslashes", func(f tarFile) tarFile {
		f.name = strings.ReplaceAll(f.name, "/", `\`)
		return f
	})
}

// subchartArchivesBounded checks that a subchart archive whose entry is named by rename counts
// what it unpacks to: past MaxUnpackedChartBytes refused, within it loaded and counted in
// Fetched.Size, and archives nested behind it at most maxSubchartDepth deep.
func subchartArchivesBounded(t *testing.T, named string, rename func(tarFile) tarFile) {
	t.Helper()
	big := tgzOf(t, chartYAML("nf"), rename(subchart(t, "nf", "sub", tarFile{"sub/templates/big.yaml", MaxUnpackedChartBytes + 1, zeros{}})))
	if len(big) > 1<<20 {
		t.Fatalf("the test archive is %d bytes, meant to be small", len(big))
	}
	if _, err := load(big, "nf"); FailureClass(err) != ClassTooLarge {
		t.Errorf("a subchart archive%s unpacking past the bound: %v, want %q", named, err, ClassTooLarge)
	}

	const tpl = 3 << 20
	ok := tgzOf(t, chartYAML("nf"), rename(subchart(t, "nf", "sub", tarFile{"sub/templates/cm.yaml", tpl, zeros{}})))
	got, err := load(ok, "nf")
	if err != nil {
		t.Fatal(err)
	}
	if got.Size < tpl || len(got.Chart.Dependencies()) != 1 {
		t.Errorf("Fetched.Size %d, %d dependencies: want the subchart's %d bytes counted, and it loaded", got.Size, len(got.Chart.Dependencies()), tpl)
	}

	// Archives in archives behind the outer one, one level more than allowed.
	deep := subchart(t, "c5", "c6")
	for i := maxSubchartDepth; i >= 2; i-- {
		deep = subchart(t, fmt.Sprintf("c%d", i-1), fmt.Sprintf("c%d", i), deep)
	}
	deep = rename(subchart(t, "c0", "c1", deep))
	if _, err := load(tgzOf(t, chartYAML("c0"), deep), "c0"); FailureClass(err) != ClassTooLarge {
		t.Errorf("subchart archives%s %d deep: %v, want %q", named, maxSubchartDepth+1, err, ClassTooLarge)
	}
}

// flowList is a YAML document of about size bytes: a key whose value is a flow list of
// one-letter items, the most YAML nodes per byte (each costs a parser hundreds of bytes).
func flowList(size int) string {
	var b strings.Builder
	b.WriteString("a: [")
	for b.Len() < size-3 {
		b.WriteString("a,")
	}
	b.WriteString("a]\n")
	return b.String()
}

// subchartDir is the Chart.yaml of chart name 1.0.0 as a subchart directory of parent.
func subchartDir(parent, name string) tarFile {
	f := chartYAML(name)
	f.name = parent + "/charts/" + f.name
	return f
}

// TestRegressionChartValuesYAMLBoundedBeforeLoad (found by review): Helm's loader parses a
// chart's values.yaml (and Chart.yaml, Chart.lock, requirements.yaml, requirements.lock, of
// every subchart too) in netweave's own process, at some hundred bytes of memory per YAML
// node. A 4 KiB archive holding a 4 MiB values.yaml of `a: [a,a,...]` took 605 MiB and 9 s
// of CPU there, within the unpack bound; one of 64 MiB (a 64 KiB download) ten times that,
// the process every tenant is served by. What those files hold together is now bounded
// (MaxChartYAMLBytes) before Helm loads the chart, subcharts included.
func TestRegressionChartValuesYAMLBoundedBeforeLoad(t *testing.T) {
	values := func(name string, size int) tarFile {
		v := flowList(size)
		return tarFile{name, int64(len(v)), strings.NewReader(v)}
	}
	big := tgzOf(t, chartYAML("nf"), values("nf/values.yaml", MaxChartYAMLBytes+1))
	if _, err := load(big, "nf"); FailureClass(err) != ClassTooLarge {
		t.Errorf("a values.yaml of %d bytes: %v, want %q", MaxChartYAMLBytes+1, err, ClassTooLarge)
	}

	// The files of subcharts, in archives or directories, count to the same bound.
	half := MaxChartYAMLBytes/2 + 1
	split := tgzOf(t, chartYAML("nf"), values("nf/values.yaml", half),
		subchart(t, "nf", "sub", values("sub/values.yaml", half)))
	if _, err := load(split, "nf"); FailureClass(err) != ClassTooLarge {
		t.Errorf("values.yaml files of %d bytes each in a chart and its subchart archive: %v, want %q", half, err, ClassTooLarge)
	}
	dir := tgzOf(t, chartYAML("nf"), values("nf/values.yaml", half),
		subchartDir("nf", "sub"), values("nf/charts/sub/values.yaml", half))
	if _, err := load(dir, "nf"); FailureClass(err) != ClassTooLarge {
		t.Errorf("values.yaml files of %d bytes each in a chart and its subchart directory: %v, want %q", half, err, ClassTooLarge)
	}

	// Within the bound: loaded, values and all.
	ok := tgzOf(t, chartYAML("nf"), values("nf/values.yaml", 64<<10), subchart(t, "nf", "sub", values("sub/values.yaml", 64<<10)))
	got, err := load(ok, "nf")
	if err != nil {
		t.Fatal(err)
	}
	if _, has := got.Chart.Values["a"]; !has || len(got.Chart.Dependencies()) != 1 {
		t.Errorf("a chart within the bound: values %v, %d dependencies", len(got.Chart.Values), len(got.Chart.Dependencies()))
	}
}
