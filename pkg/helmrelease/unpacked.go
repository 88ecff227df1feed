package helmrelease

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// MaxUnpackedChartBytes bounds what a chart archive unpacks to, and maxChartFiles how many
// files it may hold. An archive of DefaultMaxChartBytes may unpack to a thousand times as much
// (a file of zeros compresses to almost nothing), and Helm's loader allows 100 MiB, held in
// memory while the chart is used and in the chart cache afterwards: a descriptor's author
// could make netweave hold that many times over. A chart of a network function is a few
// hundred kilobytes; one with many CRDs a few megabytes.
const (
	MaxUnpackedChartBytes = 64 << 20
	maxChartFiles         = 10000
)

// MaxChartYAMLBytes bounds what the files Helm's loader parses as YAML in netweave's own
// process (chartYAMLFile: values.yaml, Chart.yaml, ... of the chart and every subchart) hold
// together. Parsing costs some hundred bytes of memory per YAML node, and a node may take two
// bytes (`[a,a,a,...]`): a 4 MiB values.yaml, a 4 KiB download, took 605 MiB and 9 s of CPU,
// before any template runs in the bounded child. At this bound the worst such file costs
// ~150 MiB; the values.yaml of real charts, umbrella charts included, hold some hundred KiB.
const MaxChartYAMLBytes = 1 << 20

// load checks what archive unpacks to, then loads it; the chart's Size is what it unpacked to.
func load(archive []byte, what string) (*Fetched, error) {
	size, err := unpackedSize(archive, MaxUnpackedChartBytes)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", what, err)
	}
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return nil, classify(ClassBadChart, fmt.Errorf("load chart %s: %w", what, err))
	}
	return &Fetched{Chart: ch, Size: size}, nil
}

// maxSubchartDepth bounds how deep subchart archives may nest (charts/a.tgz holding
// charts/b.tgz ...): Helm's loader unpacks every level in memory.
const maxSubchartDepth = 5

// unpackedSize is the total size of the files in the gzipped tar archive, counting what each
// subchart archive it holds (a charts/<name>.tgz at any depth, which Helm's loader unpacks in
// memory too) unpacks to, or a ClassTooLarge error as soon as the total passes limit or the
// archives hold more than maxChartFiles entries together. It reads the archive as a stream and
// keeps none of it but the subchart archive it is reading.
func unpackedSize(archive []byte, limit int64) (int64, error) {
	b := &unpackBudget{limit: limit, bytes: limit, files: maxChartFiles, yaml: MaxChartYAMLBytes}
	if err := b.count(archive, 0); err != nil {
		return 0, err
	}
	return limit - b.bytes, nil
}

// unpackBudget is what an archive and its subchart archives may still unpack to, and what
// their YAML files Helm parses in process (chartYAMLFile) may still hold.
type unpackBudget struct {
	limit int64
	bytes int64
	files int
	yaml  int64
}

func (b *unpackBudget) count(archive []byte, depth int) error {
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		return classify(ClassBadChart, fmt.Errorf("not a gzipped archive: %w", err))
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return classify(ClassBadChart, fmt.Errorf("read the archive: %w", err))
		}
		if b.files--; b.files < 0 {
			return classify(ClassTooLarge, fmt.Errorf("the archive holds more than %d files", maxChartFiles))
		}
		if hdr.Size > b.bytes {
			return classify(ClassTooLarge, fmt.Errorf("the archive unpacks to more than %d bytes", b.limit))
		}
		if hdr.Size > 0 {
			b.bytes -= hdr.Size
			if chartYAMLFile(hdr.Name) {
				if b.yaml -= hdr.Size; b.yaml < 0 {
					return classify(ClassTooLarge, fmt.Errorf("its values.yaml, Chart.yaml and the like hold more than %d bytes together (%s)", MaxChartYAMLBytes, hdr.Name))
				}
			}
		}
		if !isSubchartArchive(hdr.Name) {
			continue
		}
		if depth >= maxSubchartDepth {
			return classify(ClassTooLarge, fmt.Errorf("subchart archives nest deeper than %d", maxSubchartDepth))
		}
		// Within the budget just checked: at most what is left of MaxUnpackedChartBytes.
		sub, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
		if err != nil {
			return classify(ClassBadChart, fmt.Errorf("read %s: %w", hdr.Name, err))
		}
		if err := b.count(sub, depth+1); err != nil {
			return err
		}
	}
}

// chartYAMLFile reports a file Helm's loader may parse as YAML in netweave's process when it
// loads the chart: values.yaml, Chart.yaml, Chart.lock, requirements.yaml or
// requirements.lock of the chart or of any subchart (a directory under charts/ at any depth).
// Any file of those names counts, wherever it is (a few are only files of the chart), and
// names are read as isSubchartArchive reads them.
func chartYAMLFile(name string) bool {
	switch path.Base(path.Clean(strings.ReplaceAll(name, "\\", "/"))) {
	case "values.yaml", "Chart.yaml", "Chart.lock", "requirements.yaml", "requirements.lock":
		return true
	}
	return false
}

// isSubchartArchive reports a file Helm's loader unpacks as a subchart: <chart>/charts/<x>.tgz.
// Helm reads a name holding a backslash as a Windows path (its archive loader splits it on
// "\\" and joins it with "/"), so `nf\charts\x.tgz` is a subchart archive too: read with "/"
// alone, it was counted at its compressed size and what it unpacked to, nested archives
// included, escaped the bound. Every backslash is taken as a separator here, which counts as
// a subchart archive whatever Helm may load as one (and a few names it would not).
func isSubchartArchive(name string) bool {
	dir, file := path.Split(path.Clean(strings.ReplaceAll(name, "\\", "/")))
	return path.Ext(file) == ".tgz" && path.Base(dir) == "charts"
}
