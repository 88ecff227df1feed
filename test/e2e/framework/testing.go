package framework

import (
	"context"
	"testing"
	"time"
)

// logTailLines is how much of each component's log a failed test prints.
const logTailLines = 40

// StartControlPlaneForTest starts a control plane for t, fails t (never skips) when that is
// impossible — missing binaries included, with the hint to run 'make test-e2e' — and stops it when
// t ends, printing the component logs first if t failed.
func StartControlPlaneForTest(t testing.TB, o Options) *ControlPlane {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	timeout := o.StartTimeout
	if timeout == 0 {
		timeout = DefaultStartTimeout
	}
	// Each of the two components gets its own timeout inside; this bounds the sum.
	ctx, cancel := context.WithTimeout(context.Background(), 2*timeout)
	defer cancel()
	start := time.Now()
	cp, err := StartControlPlane(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("control plane ready in %s: kube-apiserver %s, etcd %s, dir %s",
		time.Since(start).Round(100*time.Millisecond), cp.KubeAPIServer.URL, cp.Etcd.URL, cp.Dir)
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range cp.Processes() {
				t.Logf("last %d lines of %s (%s):\n%s", logTailLines, p.Name(), p.LogPath(), p.LogTail(logTailLines))
			}
		}
		if err := cp.Stop(); err != nil {
			t.Errorf("stop control plane: %v", err)
		}
	})
	return cp
}

// StartProcessForTest starts a process for t and stops it when t ends, printing its log first if
// t failed.
func StartProcessForTest(t testing.TB, o ProcessOptions) *Process {
	t.Helper()
	p, err := StartProcess(o)
	if err != nil {
		t.Fatalf("start %s: %v", o.Name, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last %d lines of %s (%s):\n%s", logTailLines, p.Name(), p.LogPath(), p.LogTail(logTailLines))
		}
		if err := p.Stop(); err != nil {
			t.Errorf("stop %s: %v", p.Name(), err)
		}
	})
	return p
}
