package notify

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
	"k8s.io/klog/v2"
)

// stateCodec keeps a watcher's recorded states small in memory. The notifier must hold the
// last state of every object it processed (the prior state of its next change, and what a
// re-baseline after a store wipe compares with, when Redis no longer has it): the JSON of each
// object, about a fifth of netweave's live heap at 100,000 Resources. Objects of one kind share
// most of their text (field names, the O-Cloud id, labels, ids that differ in a few digits),
// so each state is compressed with zstd using the kind's first recorded state as a raw
// dictionary: a Resource's state is kept in an eighth of its JSON for ~15 µs of CPU per change
// (BenchmarkStateCodec). Redis still receives the plain JSON; only the in-memory copy is packed.
//
// The encoder costs ~0.7 MB of its own, so a kind's states are packed only once it has `from`
// objects (DefaultPackStatesFrom; the break-even is near 1,000 Resources); the few sites,
// pools, O-Clouds and subscriptions stay plain JSON and cost nothing more.
//
// A packed state is one tag byte and the payload: packedRaw and the JSON itself (when
// compression does not make it smaller), or packedZstd and a zstd frame.
type stateCodec struct {
	// from is the number of objects of the kind from which states are packed; 0 never packs.
	from int

	mu sync.Mutex
	// dict is the dictionary, set once by the first pack and never changed after: states packed
	// with it are unpacked with it for the life of the process.
	dict []byte
	enc  *zstd.Encoder
	dec  *zstd.Decoder
	// failed is set when the encoder or decoder could not be built: every state is kept raw.
	failed bool
}

// DefaultPackStatesFrom is the number of objects of a kind from which the notifier packs their
// recorded states by default (--notifier-pack-states-from).
const DefaultPackStatesFrom = 2048

const (
	packedRaw  byte = 0
	packedZstd byte = 1
	// maxDict bounds the dictionary: one state, or the start of a very large one.
	maxDict = 16 << 10
	// window is the encoder's window: a state and the dictionary, mostly.
	window = 32 << 10
	// stateDictID names the dictionary in each frame (any value; a codec has one dictionary).
	stateDictID = 1
)

// encoder returns the encoder, built with data's start as the dictionary once the kind has
// c.from objects; nil before, or when it could not be built.
func (c *stateCodec) encoder(data []byte, objects int) *zstd.Encoder {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.enc != nil || c.failed || c.from == 0 || objects < c.from {
		return c.enc
	}
	c.build(data)
	return c.enc
}

// packing reports whether states are being packed (the kind reached the threshold).
func (c *stateCodec) packing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enc != nil
}

// decoder returns the decoder of what the encoder packed.
func (c *stateCodec) decoder() *zstd.Decoder {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dec
}

// build makes the encoder and decoder with data's start as the dictionary; on failure every
// state is kept plain.
func (c *stateCodec) build(data []byte) {
	c.dict = bytes.Clone(data[:min(len(data), maxDict)])
	// One block encoder and decoder: packing runs on the watcher's goroutine, unpacking on it
	// and on related-id lookups; EncodeAll and DecodeAll are safe to call concurrently.
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(window), zstd.WithEncoderCRC(false), zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderDictRaw(stateDictID, c.dict))
	if err == nil {
		var dec *zstd.Decoder
		if dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderDictRaw(stateDictID, c.dict)); err == nil {
			c.enc, c.dec = enc, dec
			return
		}
		enc.Close()
	}
	klog.ErrorS(err, "Recorded states kept unpacked")
	c.failed = true
}

// pack returns the in-memory form of a recorded state of a kind with objects objects. It does
// not keep data.
func (c *stateCodec) pack(data []byte, objects int) []byte {
	if data == nil {
		return nil
	}
	if enc := c.encoder(data, objects); enc != nil {
		out := enc.EncodeAll(data, make([]byte, 1, 1+len(data)/2))
		if len(out) < 1+len(data) {
			out[0] = packedZstd
			return bytes.Clone(out) // exactly its size: the buffer was sized for the worst case
		}
	}
	out := make([]byte, 1+len(data))
	out[0] = packedRaw
	copy(out[1:], data)
	return out
}

// unpack returns the JSON of a packed state.
func (c *stateCodec) unpack(p []byte) ([]byte, error) {
	if len(p) == 0 {
		return nil, nil
	}
	switch p[0] {
	case packedRaw:
		return p[1:], nil
	case packedZstd:
		dec := c.decoder()
		if dec == nil {
			return nil, fmt.Errorf("unpack recorded state: no decoder")
		}
		data, err := dec.DecodeAll(p[1:], nil)
		if err != nil {
			return nil, fmt.Errorf("unpack recorded state: %w", err)
		}
		return data, nil
	}
	return nil, fmt.Errorf("recorded state packed as %d, want %d or %d", p[0], packedRaw, packedZstd)
}
