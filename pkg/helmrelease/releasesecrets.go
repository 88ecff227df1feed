package helmrelease

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"

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
// starts with gzip's magic), refused past limit without decompressing more than that.
func recordSize(s *corev1.Secret, limit int64) (int64, error) {
	b, err := base64.StdEncoding.DecodeString(string(s.Data["release"]))
	if err != nil {
		// Helm refuses it with its own error.
		return 0, nil
	}
	if len(b) <= 3 || !bytes.Equal(b[:3], []byte{0x1f, 0x8b, 0x08}) {
		return int64(len(b)), nil
	}
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return 0, nil
	}
	defer func() { _ = r.Close() }()
	n, err := io.Copy(io.Discard, io.LimitReader(r, limit+1))
	switch {
	case n > limit:
		return 0, fmt.Errorf("more than %d bytes decompressed", limit)
	case err != nil:
		// A truncated or corrupt stream: Helm refuses it with its own error.
		return n, nil
	}
	return n, nil
}
