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
)

const (
	// MaxReleaseRecord bounds one release record, decompressed: a Secret holds at most 1 MiB,
	// which Helm's gzip leaves at some MiB of JSON for the largest real charts, and a gzip
	// bomb at a GiB.
	MaxReleaseRecord = 32 << 20
	// MaxReleaseRecords bounds the records one read of the storage decodes together (a
	// release's history).
	MaxReleaseRecords = 128 << 20
)

// releaseStorage is Helm's release storage in the target namespace's Secrets, as Helm's
// "secret" driver keeps it, with every record measured before Helm decodes it. Whoever holds
// edit in the target namespace (the tenant, and anyone in a cluster it provisioned) can write
// a Secret labelled as a release record, and Helm decompresses a record whole into memory: a
// 1 MiB gzip bomb would take netweave's memory, and with it every tenant's O2 service.
func releaseStorage(secrets corev1client.SecretInterface, logger slog.Handler) *storage.Storage {
	d := driver.NewSecrets(boundedRecords{SecretInterface: secrets, perRecord: MaxReleaseRecord, perRead: MaxReleaseRecords})
	d.SetLogger(logger)
	return storage.Init(d)
}

// boundedRecords refuses a read that returns a release record larger than perRecord
// decompressed, or records larger than perRead together.
type boundedRecords struct {
	corev1client.SecretInterface
	perRecord, perRead int64
}

func (b boundedRecords) Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.Secret, error) {
	s, err := b.SecretInterface.Get(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	if _, err := recordSize(s, b.perRecord); err != nil {
		return nil, fmt.Errorf("release record %s: %w", name, err)
	}
	return s, nil
}

func (b boundedRecords) List(ctx context.Context, opts metav1.ListOptions) (*corev1.SecretList, error) {
	l, err := b.SecretInterface.List(ctx, opts)
	if err != nil {
		return nil, err
	}
	var total int64
	for i := range l.Items {
		n, err := recordSize(&l.Items[i], b.perRecord)
		if err != nil {
			return nil, fmt.Errorf("release record %s: %w", l.Items[i].Name, err)
		}
		if total += n; total > b.perRead {
			return nil, fmt.Errorf("release records %q: more than %d bytes decompressed together", opts.LabelSelector, b.perRead)
		}
	}
	return l, nil
}

// recordSize is the size of s's release record as Helm decodes it (base64, then gzip when it
// starts with gzip's magic), refused past limit without decompressing more than that. A record
// Helm would decode but whose actions would dereference what it lacks (releaseShape) is
// refused too.
func recordSize(s *corev1.Secret, limit int64) (int64, error) {
	b, err := base64.StdEncoding.DecodeString(string(s.Data["release"]))
	if err != nil {
		// Helm refuses it with its own error.
		return 0, nil
	}
	var r io.Reader = bytes.NewReader(b)
	if len(b) > 3 && bytes.Equal(b[:3], []byte{0x1f, 0x8b, 0x08}) {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return 0, nil
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
	switch {
	case c.n > limit:
		return 0, fmt.Errorf("more than %d bytes decompressed", limit)
	case err != nil, derr != nil, rest.data:
		// A truncated or corrupt stream, or not one JSON value: Helm refuses it with its own
		// error.
		return c.n, nil
	}
	return c.n, shape.check()
}

// releaseShape is what Helm's actions dereference of a stored revision unchecked: its info
// (upgrade, rollback and uninstall read its status) and each of its hooks (uninstall and
// rollback run them). A Secret labelled as a release record can be written by whoever may
// create Secrets in the target namespace, the tenant's own chart included; a revision
// {"name":..,"version":N} without them made the next upgrade, rollback or delete of that
// release panic in the O2-DMS controller's worker, and so the whole process.
type releaseShape struct {
	Info  *struct{}   `json:"info"`
	Hooks []*struct{} `json:"hooks"`
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

// countingReader counts what was read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
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
