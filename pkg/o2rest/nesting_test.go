package o2rest

import (
	"runtime"
	"strings"
	"testing"
)

// TestRegressionDuplicateMemberDeepNesting: an SMO that POSTed a ProvisioningRequest body within
// the 1 MiB limit, nested thousands of objects deep under 100-byte member names, made the
// duplicate-member check build and keep one path string per level, each longer than the last:
// memory grew as depth²×name (about 5 GB at 10000 levels), and the replica was OOM-killed by a
// single request. The check must allocate about as much as the body, and still name the path
// of a duplicate found deep down.
func TestRegressionDuplicateMemberDeepNesting(t *testing.T) {
	const depth = 2000
	name := strings.Repeat("n", 100)
	var b strings.Builder
	for range depth {
		b.WriteString(`{"` + name + `":`)
	}
	b.WriteString(`[{"a":1,"a":2}]`)
	for range depth {
		b.WriteString("}")
	}
	doc := []byte(b.String())

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	path, dup := duplicateMember(doc)
	runtime.ReadMemStats(&after)

	if !dup {
		t.Fatal("the duplicate member was not found")
	}
	want := strings.Repeat(name+"/", depth) + "0/a"
	if path != want {
		t.Fatalf("path of the duplicate: got %d bytes, want %d", len(path), len(want))
	}
	// The body is ~200 KB; the answer's path as much again. Quadratic paths were ~200 MB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Fatalf("the duplicate-member check of a %d-byte body allocated %d bytes", len(doc), alloc)
	}
}
