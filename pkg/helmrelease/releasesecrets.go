package helmrelease

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/netweave-io/netweave/apis/jsonparams"
)

const (
	// MaxReleaseRecord bounds one release record, decompressed: a Secret holds at most 1 MiB,
	// which Helm's gzip leaves at some MiB of JSON for the largest real charts, and a gzip
	// bomb at a GiB.
	MaxReleaseRecord = 32 << 20
	// MaxReleaseRecords bounds the records one read of the storage decodes together (a
	// release's history).
	MaxReleaseRecords = 128 << 20
	// MaxReleaseRecordValues bounds the JSON values of one release record (counted as the
	// brackets, braces, commas and colons outside its strings), MaxReleaseRecordsValues those
	// of the records one read decodes together. Helm decodes a record whole, its values and
	// its chart's values as map[string]any: 8 MiB of {"a":[{},{},...]}, a sixth of what the
	// byte bound lets through, took 390 MiB, some 70 bytes a value. A record netweave writes
	// holds a few tens of thousands (the chart's values and the user's, a few per file of
	// the chart), and Helm keeps 10 revisions by default (--o2dms-max-history).
	MaxReleaseRecordValues  = 256 << 10
	MaxReleaseRecordsValues = 1 << 20
)

// releaseStorage is Helm's release storage in the target namespace's Secrets, as Helm's
// "secret" driver keeps it, with every record measured before Helm decodes it. Whoever holds
// edit in the target namespace (the tenant, and anyone in a cluster it provisioned) can write
// a Secret labelled as a release record, and Helm decompresses a record whole into memory: a
// 1 MiB gzip bomb would take netweave's memory, and with it every tenant's O2 service.
//
// What Helm does with a record within those bounds costs far more than its bytes, so a record
// is also refused past MaxReleaseRecordValues JSON values (records past
// MaxReleaseRecordsValues together), and its manifests (the revision's and its hooks') are
// parsed first in a child process within the rendering's bounds (recordManifests), as the
// workloads' status and Helm's upgrade, rollback and uninstall will parse them in netweave's.
// Nil manifests checks none.
func releaseStorage(secrets corev1client.SecretInterface, logger slog.Handler, manifests *recordManifests) *storage.Storage {
	d := driver.NewSecrets(boundedRecords{SecretInterface: secrets, perRecord: MaxReleaseRecord, perRead: MaxReleaseRecords,
		valuesPerRecord: MaxReleaseRecordValues, valuesPerRead: MaxReleaseRecordsValues, manifests: manifests})
	d.SetLogger(logger)
	return storage.Init(d)
}

// boundedRecords refuses a read that returns a release record larger than perRecord
// decompressed or of more than valuesPerRecord JSON values, records larger than perRead or of
// more than valuesPerRead values together, or a record whose manifests manifests refuses. A
// zero values bound bounds nothing.
type boundedRecords struct {
	corev1client.SecretInterface
	perRecord, perRead             int64
	valuesPerRecord, valuesPerRead int64
	// manifests checks the records' manifests; nil checks none.
	manifests *recordManifests
}

func (b boundedRecords) Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.Secret, error) {
	s, err := b.SecretInterface.Get(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	if _, err := b.measure(ctx, s); err != nil {
		return nil, fmt.Errorf("release record %s: %w", name, err)
	}
	return s, nil
}

func (b boundedRecords) List(ctx context.Context, opts metav1.ListOptions) (*corev1.SecretList, error) {
	l, err := b.SecretInterface.List(ctx, opts)
	if err != nil {
		return nil, err
	}
	var total recordCost
	for i := range l.Items {
		c, err := b.measure(ctx, &l.Items[i])
		if err != nil {
			return nil, fmt.Errorf("release record %s: %w", l.Items[i].Name, err)
		}
		total.bytes += c.bytes
		total.values += c.values
		switch {
		case total.bytes > b.perRead:
			return nil, fmt.Errorf("release records %q: more than %d bytes decompressed together", opts.LabelSelector, b.perRead)
		case b.valuesPerRead > 0 && total.values > b.valuesPerRead:
			return nil, fmt.Errorf("release records %q: more than %d JSON values together", opts.LabelSelector, b.valuesPerRead)
		}
	}
	return l, nil
}

// measure is recordSize within b's bounds, and the record's manifests checked.
func (b boundedRecords) measure(ctx context.Context, s *corev1.Secret) (recordCost, error) {
	c, manifests, err := recordSize(s, b.perRecord)
	if err != nil {
		return c, err
	}
	if b.valuesPerRecord > 0 && c.values > b.valuesPerRecord {
		return c, fmt.Errorf("more than %d JSON values", b.valuesPerRecord)
	}
	if len(manifests) > 0 && b.manifests != nil {
		if err := b.manifests.check(ctx, manifests); err != nil {
			return c, err
		}
	}
	return c, nil
}

// recordCost is what decoding a release record costs: its bytes decompressed, and its JSON
// values (countingReader.shape, jsonparams.ShapeScanner).
type recordCost struct {
	bytes, values int64
}

// recordSize is the size of s's release record as Helm decodes it (base64, then gzip when it
// starts with gzip's magic), refused past limit without decompressing more than that, and the
// record's non-empty manifests (the revision's, then its hooks'). A record Helm would decode
// but whose actions would dereference what it lacks (releaseShape) is refused too.
func recordSize(s *corev1.Secret, limit int64) (recordCost, []string, error) {
	b, err := base64.StdEncoding.DecodeString(string(s.Data["release"]))
	if err != nil {
		// Helm refuses it with its own error.
		return recordCost{}, nil, nil
	}
	var r io.Reader = bytes.NewReader(b)
	if len(b) > 3 && bytes.Equal(b[:3], []byte{0x1f, 0x8b, 0x08}) {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return recordCost{}, nil, nil
		}
		defer func() { _ = gz.Close() }()
		r = gz
	}
	c := &countingReader{r: io.LimitReader(r, limit+1)}
	dec := json.NewDecoder(c)
	var shape releaseShape
	derr := dec.Decode(&shape)
	// What follows the value: Helm's json.Unmarshal refuses anything but white space.
	var rest trailing
	_, err = io.Copy(&rest, io.MultiReader(dec.Buffered(), c))
	cost := recordCost{bytes: c.n, values: int64(c.shape.Values)}
	switch {
	case c.n > limit:
		return cost, nil, fmt.Errorf("more than %d bytes decompressed", limit)
	case err != nil, derr != nil, rest.data:
		// A truncated or corrupt stream, or not one JSON value: Helm refuses it with its own
		// error.
		return cost, nil, nil
	}
	if err := shape.check(); err != nil {
		return cost, nil, err
	}
	return cost, shape.manifests(), nil
}

// releaseShape is what Helm's actions dereference of a stored revision unchecked: its info
// (upgrade, rollback and uninstall read its status) and each of its hooks (uninstall and
// rollback run them). A Secret labelled as a release record can be written by whoever may
// create Secrets in the target namespace, the tenant's own chart included; a revision
// {"name":..,"version":N} without them made the next upgrade, rollback or delete of that
// release panic in the O2-DMS controller's worker, and so the whole process. It also holds the
// manifests netweave's process parses as YAML (recordManifests).
type releaseShape struct {
	Info     *struct{}    `json:"info"`
	Manifest string       `json:"manifest"`
	Hooks    []*hookShape `json:"hooks"`
}

type hookShape struct {
	Manifest string `json:"manifest"`
}

func (s releaseShape) check() error {
	switch {
	case s.Info == nil:
		return errors.New("not a revision Helm wrote: it has no info")
	case slices.Contains(s.Hooks, nil):
		return errors.New("not a revision Helm wrote: a hook of it is null")
	}
	return nil
}

// manifests are the record's non-empty manifests: the revision's, then its hooks'.
func (s releaseShape) manifests() []string {
	var out []string
	if s.Manifest != "" {
		out = append(out, s.Manifest)
	}
	for _, h := range s.Hooks {
		if h.Manifest != "" {
			out = append(out, h.Manifest)
		}
	}
	return out
}

// countingReader counts what was read through it: its bytes, and its JSON values
// (jsonparams.ShapeScanner: the brackets, braces, commas and colons outside strings, what
// decoding the text allocates something for).
type countingReader struct {
	r     io.Reader
	n     int64
	shape jsonparams.ShapeScanner
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	_, _ = c.shape.Write(p[:n])
	return n, err
}

// trailing notes whether anything but JSON white space is written to it.
type trailing struct{ data bool }

func (t *trailing) Write(p []byte) (int, error) {
	if !t.data && len(bytes.Trim(p, " \t\r\n")) > 0 {
		t.data = true
	}
	return len(p), nil
}
