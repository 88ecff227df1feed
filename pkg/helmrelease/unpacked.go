package helmrelease

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

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

// unpackedSize is the total size of the files in the gzipped tar archive, or a ClassTooLarge
// error as soon as it passes limit or the archive holds more than maxChartFiles entries. It
// reads the archive as a stream and keeps none of it.
func unpackedSize(archive []byte, limit int64) (int64, error) {
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		return 0, classify(ClassBadChart, fmt.Errorf("not a gzipped archive: %w", err))
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	var total int64
	for files := 0; ; files++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return 0, classify(ClassBadChart, fmt.Errorf("read the archive: %w", err))
		}
		if files >= maxChartFiles {
			return 0, classify(ClassTooLarge, fmt.Errorf("the archive holds more than %d files", maxChartFiles))
		}
		if hdr.Size > limit-total {
			return 0, classify(ClassTooLarge, fmt.Errorf("the archive unpacks to more than %d bytes", limit))
		}
		if hdr.Size > 0 {
			total += hdr.Size
		}
	}
}
