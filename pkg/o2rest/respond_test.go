package o2rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// countingWriter records each Write a response makes.
type countingWriter struct {
	*httptest.ResponseRecorder
	writes []int
	failAt int // fail the write with this index (1-based); 0: never
}

func (c *countingWriter) Write(b []byte) (int, error) {
	c.writes = append(c.writes, len(b))
	if len(c.writes) == c.failAt {
		return 0, errors.New("connection reset")
	}
	return c.ResponseRecorder.Write(b)
}

// A list is written as the JSON array json.Marshal would make of its documents, with a
// Content-Length, in chunks of at most arrayChunk bytes (never the whole list copied at once),
// for lists empty, tiny, with documents straddling chunk boundaries and larger than a chunk.
func TestWriteArrayIsTheJSONArrayInChunks(t *testing.T) {
	doc := func(n int) []byte { return []byte(`"` + strings.Repeat("x", n-2) + `"`) }
	cases := map[string][][]byte{
		"empty": nil,
		"one":   {doc(10)},
		"exact": {doc(arrayChunk - 2)}, // '[' + doc + ']' is exactly one chunk
		"many": func() [][]byte {
			var d [][]byte
			for range 1000 {
				d = append(d, doc(362))
			}
			return d
		}(),
		"huge": {doc(3*arrayChunk + 7), doc(5), doc(arrayChunk)},
	}
	bufs := &chunkBuffers{}
	for name, items := range cases {
		t.Run(name, func(t *testing.T) {
			raw := make([]json.RawMessage, len(items))
			for i, it := range items {
				raw[i] = it
			}
			want, err := json.Marshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			w := &countingWriter{ResponseRecorder: httptest.NewRecorder()}
			responder{bufs: bufs}.respond(w, &answer{status: http.StatusOK, array: true, items: items}, nil)
			if !bytes.Equal(w.Body.Bytes(), want) {
				t.Fatalf("body differs from json.Marshal's (%d vs %d bytes)", w.Body.Len(), len(want))
			}
			if got := w.Header().Get("Content-Length"); got != strconv.Itoa(len(want)) {
				t.Errorf("Content-Length %s, want %d", got, len(want))
			}
			if w.Header().Get("Content-Type") != "application/json" || w.Code != http.StatusOK {
				t.Errorf("status %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
			}
			for _, n := range w.writes {
				if n > arrayChunk {
					t.Errorf("a write of %d bytes, more than a chunk (%d)", n, arrayChunk)
				}
			}
			if fewest := (len(want) + arrayChunk - 1) / arrayChunk; len(w.writes) != fewest {
				t.Errorf("%d writes for %d bytes, want %d", len(w.writes), len(want), fewest)
			}
		})
	}
}

// A client that goes away mid-list ends the response at the failed write: nothing more is
// written to it.
func TestWriteArrayStopsAtAFailedWrite(t *testing.T) {
	items := [][]byte{[]byte(`"` + strings.Repeat("y", 3*arrayChunk) + `"`)}
	w := &countingWriter{ResponseRecorder: httptest.NewRecorder(), failAt: 2}
	responder{}.respond(w, &answer{status: http.StatusOK, array: true, items: items}, nil)
	if len(w.writes) != 2 {
		t.Errorf("%d writes, want 2 (the second failed)", len(w.writes))
	}
}
