package e2e

import (
	"debug/elf"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/netweave-io/netweave/internal/localstack"
)

// TestStaticBuild builds the binary exactly as the container image does (hack/build-static.sh)
// and checks it needs no dynamic loader: the image is distroless/static, which has no libc.
// 'make build' uses the same script, so after it this build is a cache hit and a link.
func TestStaticBuild(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Fatalf("the image is linux; this test checks an ELF binary and runs on linux only, not %s", runtime.GOOS)
	}
	root, err := localstack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "netweave")
	if b, err := exec.Command(filepath.Join(root, "hack", "build-static.sh"), out).CombinedOutput(); err != nil {
		t.Fatalf("hack/build-static.sh: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary has a %v program header: it is dynamically linked", p.Type)
		}
	}
	if b, err := exec.Command(out, "--help").CombinedOutput(); err != nil {
		t.Errorf("the static binary does not run: %v\n%s", err, b)
	}
}
