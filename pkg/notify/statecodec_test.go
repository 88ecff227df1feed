package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// resourceState is the recorded state of the i-th Resource of an inventory like the
// benchmarks' (test/bench): what the notifier keeps of each.
func resourceState(t testing.TB, i int) []byte {
	t.Helper()
	raw := func(s string) v1alpha1.JSON { return v1alpha1.JSON{Raw: []byte(s)} }
	r := &v1alpha1.O2Resource{
		TypeMeta: metav1.TypeMeta{APIVersion: "o2ims.oran.org/v1alpha1", Kind: "Resource"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "o2ims-system", Name: fmt.Sprintf("r-%05d", i),
			UID:               types.UID(fmt.Sprintf("5d0c3a2e-%04x-4b7e-9a51-%012x", i%0xffff, i*7919)),
			ResourceVersion:   fmt.Sprint(100000 + i*3),
			CreationTimestamp: metav1.NewTime(time.Unix(1796000000+int64(i), 0)),
			Labels:            map[string]string{"o2ims.oran.org/pool": "pool-0"}},
		Spec: v1alpha1.ResourceSpec{
			ResourceID:     fmt.Sprintf("00000004-0000-4000-8000-%012d", i),
			ResourcePoolID: "00000002-0000-4000-8000-000000000000",
			ResourceTypeID: fmt.Sprintf("00000003-0000-4000-8000-%012d", i%16),
			GlobalAssetID:  fmt.Sprintf("SN-X1000-%06d", i),
			Description:    fmt.Sprintf("worker %05d rack-%02d", i, i%16),
			Tags:           []string{"ran", "du"},
			Groups:         []string{fmt.Sprintf("rack-%02d", i%16)},
			Extensions: v1alpha1.Extensions{
				"capacity": raw(`{"cpu":"64","memory":"512Gi"}`),
				"arch":     raw(`"amd64"`),
			},
		},
	}
	data, err := encodeState(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestStateCodecRoundTrip: whatever is packed unpacks to the same bytes, whether deflate
// helps (states like the first) or not (random bytes, kept raw), from many goroutines at once
// (related-id lookups unpack while the watcher packs).
func TestStateCodecRoundTrip(t *testing.T) {
	c := stateCodec{from: DefaultPackStatesFrom}
	noise := make([]byte, 3000)
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat(resourceState(t, 7), 80) // > the 32 KiB dictionary bound
	inputs := [][]byte{resourceState(t, 0), {}, []byte(`{}`), noise, big}
	for i := 1; i < 200; i++ {
		inputs = append(inputs, resourceState(t, i))
	}
	packed := make([][]byte, len(inputs))
	for i, in := range inputs {
		packed[i] = c.pack(in, DefaultPackStatesFrom)
	}
	if p := c.pack(nil, DefaultPackStatesFrom); p != nil {
		t.Errorf("pack(nil) = %q, want nil", p)
	}
	if p := packed[3]; p[0] != packedRaw {
		t.Errorf("random bytes packed as %d, want kept raw (%d)", p[0], packedRaw)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, p := range packed {
				got, err := c.unpack(p)
				if err != nil {
					t.Errorf("unpack %d: %v", i, err)
					return
				}
				if !bytes.Equal(got, inputs[i]) {
					t.Errorf("unpack %d: %d bytes differ from the %d packed", i, len(got), len(inputs[i]))
					return
				}
			}
		}()
	}
	wg.Wait()
	if _, err := c.unpack([]byte{7, 1, 2}); err == nil {
		t.Error("unpack of an unknown tag: no error")
	}
}

// TestStateCodecSmaller: a kind's states after the first (the dictionary) are kept at well
// under half their JSON size, which is what the codec is for.
func TestStateCodecSmaller(t *testing.T) {
	c := stateCodec{from: DefaultPackStatesFrom}
	plain, packed := 0, 0
	for i := 0; i < 1000; i++ {
		s := resourceState(t, i)
		p := c.pack(s, DefaultPackStatesFrom)
		if i == 0 {
			continue
		}
		plain += len(s)
		packed += len(p)
	}
	if packed*2 > plain {
		t.Errorf("999 Resource states packed to %d bytes of %d (%.2f), want under half", packed, plain, float64(packed)/float64(plain))
	}
	t.Logf("999 Resource states: %d bytes of JSON kept as %d (%.2f)", plain, packed, float64(packed)/float64(plain))
}

// TestStateCodecSmallKinds: a kind with fewer objects than the codec's threshold keeps its
// states plain and builds no encoder (~0.7 MB); from the threshold on, new states are packed
// and the plain ones still read; with no threshold (0) nothing is ever packed.
func TestStateCodecSmallKinds(t *testing.T) {
	never := stateCodec{}
	if p := never.pack(resourceState(t, 1), 1<<20); p[0] != packedRaw || never.enc != nil {
		t.Errorf("codec without threshold: packed as %d, encoder %v; want plain, none", p[0], never.enc)
	}
	c := stateCodec{from: DefaultPackStatesFrom}
	plain := c.pack(resourceState(t, 1), DefaultPackStatesFrom-1)
	if plain[0] != packedRaw || c.enc != nil {
		t.Fatalf("state of a kind with %d objects: packed as %d, encoder %v; want plain, none", DefaultPackStatesFrom-1, plain[0], c.enc)
	}
	packed := c.pack(resourceState(t, 2), DefaultPackStatesFrom)
	if packed[0] != packedZstd {
		t.Fatalf("state of a kind with %d objects packed as %d, want %d", DefaultPackStatesFrom, packed[0], packedZstd)
	}
	for i, p := range map[int][]byte{1: plain, 2: packed} {
		got, err := c.unpack(p)
		if err != nil || !bytes.Equal(got, resourceState(t, i)) {
			t.Errorf("unpack of state %d: %v, equal %v", i, err, bytes.Equal(got, resourceState(t, i)))
		}
	}
}

// BenchmarkStateCodec: the CPU a change pays for the smaller recorded state (one pack; one
// unpack when it has a prior state), and the bytes kept per state.
func BenchmarkStateCodec(b *testing.B) {
	c := stateCodec{from: DefaultPackStatesFrom}
	states := make([][]byte, 1024)
	for i := range states {
		states[i] = resourceState(b, i)
	}
	c.pack(states[0], DefaultPackStatesFrom)
	b.Run("pack", func(b *testing.B) {
		b.ReportAllocs()
		kept := 0
		for i := 0; i < b.N; i++ {
			kept += len(c.pack(states[i%len(states)], DefaultPackStatesFrom))
		}
		b.ReportMetric(float64(kept)/float64(b.N), "bytes-kept/op")
		b.ReportMetric(float64(len(states[1])), "bytes-json")
	})
	packed := make([][]byte, len(states))
	for i, s := range states {
		packed[i] = c.pack(s, DefaultPackStatesFrom)
	}
	b.Run("unpack", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := c.unpack(packed[i%len(packed)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestHistoryKeepsPackedStates: a change recorded with the watcher's packed states keeps those
// very bytes (shared with the recorded state, not a second copy) and replays the same JSON
// and objects; a prior state the watcher did not have is packed by its codec too.
func TestHistoryKeepsPackedStates(t *testing.T) {
	c := &stateCodec{from: 1}
	prior, post := resourceState(t, 1), resourceState(t, 2)
	priorPacked, postPacked := c.pack(prior, 1), c.pack(post, 1)
	obj, err := decodeState(model.KindResource, post)
	if err != nil {
		t.Fatal(err)
	}
	ev := &Event{Type: Modify, Kind: model.KindResource, Namespace: "o2ims-system", Name: "r-00002", ResourceVersion: "7",
		Post: obj, priorState: priorPacked, postState: postPacked, codec: c}
	p, err := compact(ev)
	if err != nil {
		t.Fatal(err)
	}
	if &p.prior[0] != &priorPacked[0] || &p.post[0] != &postPacked[0] {
		t.Error("the history holds copies of the packed states, want the watcher's bytes")
	}
	if p.ev.codec != nil || p.ev.postState != nil || p.ev.Post != nil {
		t.Error("the kept event still references the objects or their packed states")
	}
	got, err := p.event()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.priorState, prior) || !bytes.Equal(got.postState, post) {
		t.Error("replayed states differ from the recorded JSON")
	}
	if r, ok := got.Post.(*v1alpha1.O2Resource); !ok || r.Spec.GlobalAssetID != "SN-X1000-000002" || got.Prior == nil {
		t.Errorf("replayed objects: post %#v, prior %v", got.Post, got.Prior)
	}

	deleted := &Event{Type: Delete, Kind: model.KindResource, Namespace: "o2ims-system", Name: "r-00003", ResourceVersion: "8",
		Prior: obj, codec: c}
	p, err = compact(deleted)
	if err != nil {
		t.Fatal(err)
	}
	if p.prior[0] != packedZstd {
		t.Errorf("a prior state encoded for the history is kept as %d, want packed (%d)", p.prior[0], packedZstd)
	}
	if got, err = p.event(); err != nil || !bytes.Equal(got.priorState, post) {
		t.Errorf("replayed deletion: %v, prior state equal %v", err, err == nil && bytes.Equal(got.priorState, post))
	}
}

// recordingEmitter keeps the events a watcher emits (the notifier's side of changed; the
// rest of emitter is not reached by it).
type recordingEmitter struct {
	emitter
	events []*Event
}

func (r *recordingEmitter) emit(_ context.Context, ev *Event, _ []byte, _ string) error {
	r.events = append(r.events, ev)
	return nil
}

// TestWatcherRepacksWhenKindGrows: the states a kind recorded plain while it was below the
// codec's threshold are packed once it reaches it, not only those that change afterwards;
// each still reads as the JSON recorded, and the next change of an early object has it as
// its prior state.
func TestWatcherRepacksWhenKindGrows(t *testing.T) {
	ctx := context.Background()
	out := &recordingEmitter{}
	w := newWatcher(kindSource{kind: model.KindResource}, nil, out, Backoff{})
	w.codec.from = 4
	objects := make([][]byte, 6)
	for i := range objects {
		objects[i] = resourceState(t, i)
		obj, err := decodeState(model.KindResource, objects[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := w.changed(ctx, obj, true); err != nil {
			t.Fatal(err)
		}
		if i == 3 && w.codec.packing() {
			t.Fatal("packing below the threshold")
		}
	}
	if len(w.state) != len(objects) {
		t.Fatalf("%d states recorded, want %d", len(w.state), len(objects))
	}
	for i, want := range objects {
		e := w.state[fmt.Sprintf("o2ims-system/r-%05d", i)]
		if e.packed[0] != packedZstd {
			t.Errorf("state of object %d kept as %d, want packed (%d)", i, e.packed[0], packedZstd)
		}
		if got, err := w.codec.unpack(e.packed); err != nil || !bytes.Equal(got, want) {
			t.Errorf("state of object %d: %v, equal to the recorded JSON %v", i, err, bytes.Equal(got, want))
		}
	}

	r, err := decodeState(model.KindResource, objects[0])
	if err != nil {
		t.Fatal(err)
	}
	changed := r.(*v1alpha1.O2Resource)
	changed.ResourceVersion, changed.Spec.Description = "200000", "moved"
	if err := w.changed(ctx, changed, true); err != nil {
		t.Fatal(err)
	}
	ev := out.events[len(out.events)-1]
	prior, err := w.codec.unpack(ev.priorState)
	if ev.Type != Modify || err != nil || !bytes.Equal(prior, objects[0]) {
		t.Errorf("change of a repacked object: %s, prior state %v, equal %v", ev.Type, err, bytes.Equal(prior, objects[0]))
	}
}
