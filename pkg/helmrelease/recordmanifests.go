package helmrelease

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// ErrRecordBound is a release record whose manifests went past the bounds of their parse.
var ErrRecordBound = errors.New("the release record's manifests went past the bounds of their parse")

// manifestTask is the parse of a release record's manifests.
var manifestTask = childTask{what: "parsing the release record's manifests", bound: ErrRecordBound, tooLong: func(RenderLimits) string {
	return "the answer to the parse of the release record's manifests is too long"
}}

// recordManifests parses the manifests of release records in a child process (render.go),
// within the rendering's bounds, before netweave's process parses them. A record's manifest
// and its hooks' are parsed as YAML in netweave's process: by the workloads' status of every
// deployed release, by Helm's upgrade (the current revision's), rollback (both revisions') and
// uninstall (the objects and the hooks to run). At some hundred bytes of memory per YAML node,
// a node per two bytes, and alias expansion on top, a record a tenant planted in the target
// namespace, 32 MiB decompressed, took gigabytes there. What netweave rendered itself was
// parsed in the child at its rendering; a record is whoever wrote it.
//
// A manifest that parsed within the bounds, or went past them, is remembered by its digest, so
// a release's records are parsed once, not at every read (each resync of its NfDeployment).
type recordManifests struct {
	parsers *renderers

	mu sync.Mutex
	// seen is the outcome of each set of manifests parsed, by digest: nil, or the bound
	// crossed.
	seen map[[sha256.Size]byte]error
}

// maxSeenManifests bounds recordManifests.seen: past it, it starts again (a record read
// after that is parsed once more). 32 bytes and an error each.
const maxSeenManifests = 1 << 16

// newRecordManifests checks manifests in the children of parsers, the Engine's rendering
// children: a record's parse and a rendering are a worker's, one at a time.
func newRecordManifests(parsers *renderers) *recordManifests {
	return &recordManifests{parsers: parsers, seen: map[[sha256.Size]byte]error{}}
}

// check parses manifests in a child, or answers what their earlier parse found: nil, or an
// error wrapping ErrRecordBound. A child that failed for another reason (it could not start,
// ctx ended), or ran out of wall-clock time, is that error, not remembered.
func (m *recordManifests) check(ctx context.Context, manifests []string) error {
	h := sha256.New()
	for _, s := range manifests {
		_ = binary.Write(h, binary.BigEndian, uint64(len(s)))
		_, _ = io.WriteString(h, s)
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	m.mu.Lock()
	err, ok := m.seen[key]
	m.mu.Unlock()
	if ok {
		return err
	}
	answer, err := m.parsers.do(ctx, manifestTask, renderRequest{Manifests: manifests}, nil)
	switch {
	case err != nil && !errors.Is(err, ErrRecordBound):
		return err
	case errors.Is(err, errRenderTimeout):
		// Out of wall-clock time: a loaded node's as much as the record's, so not
		// remembered, or the release would be refused until netweave restarted.
		return err
	case err == nil && answer.Error != "":
		err = fmt.Errorf("%w: %s", ErrRecordBound, answer.Error)
	}
	m.mu.Lock()
	if len(m.seen) >= maxSeenManifests {
		clear(m.seen)
	}
	m.seen[key] = err
	m.mu.Unlock()
	return err
}

// parseManifests parses each manifest as netweave's process will, whatever fails to parse:
// split as Helm splits a manifest (releaseutil.SplitManifests) and as the Kubernetes YAML
// reader does (the workloads' status and Helm's kube client), which may cut it elsewhere (an
// alias in one document of one is in the next of the other), each document decoded whole.
// What fails is Helm's, or the status's, to report; what matters is the cost, within the
// child's memory bound, and each document's within limits.Document and a quarter more:
// netweave's process parses a deployed release's manifest again at every resync of its
// status. The quarter is for what netweave rendered itself: the allocation counter moves a
// span at a time, so a document measured just within the bound at its rendering could
// measure just past it here, and a release refused its own records could not even be
// uninstalled.
func parseManifests(manifests []string, limits RenderLimits) childMessage {
	max := uint64(limits.Document) + uint64(limits.Document)/4
	tooCostly := childMessage{Error: fmt.Sprintf("a document takes more than %d MiB to parse", max>>20), Bound: true}
	for i, m := range manifests {
		for _, doc := range releaseutil.SplitManifests(m) {
			if cost, _ := parseCost(doc); cost > max {
				return tooCostly
			}
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(m)))
		for {
			doc, err := r.Read()
			if err != nil {
				break
			}
			if decodeCost(doc) > max {
				return tooCostly
			}
		}
		manifests[i] = ""
	}
	return childMessage{}
}
