// Package stacktest ties the local stack's components to a test: each is started for a
// testing.TB, fails it (never skips) when it cannot start, and is stopped when the test ends,
// with its log printed first if the test failed. It is the only part of the stack that links
// the testing package, so 'make run' (hack/localup) does not.
package stacktest

import (
	"context"
	"testing"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

// logTailLines is how much of each component's log a failed test prints.
const logTailLines = 40

// StartControlPlane starts a control plane for t, fails t (never skips) when that is
// impossible — missing binaries included, with the hint to run 'make test-e2e' — and stops it when
// t ends, printing the component logs first if t failed.
func StartControlPlane(t testing.TB, o localstack.Options) *localstack.ControlPlane {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	timeout := o.StartTimeout
	if timeout == 0 {
		timeout = localstack.DefaultStartTimeout
	}
	// Each of the two components gets its own timeout inside; this bounds the sum.
	ctx, cancel := context.WithTimeout(context.Background(), 2*timeout)
	defer cancel()
	start := time.Now()
	cp, err := localstack.StartControlPlane(ctx, o)
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

// StartProcess starts a process for t and stops it when t ends, printing its log first if
// t failed.
func StartProcess(t testing.TB, o localstack.ProcessOptions) *localstack.Process {
	t.Helper()
	p, err := localstack.StartProcess(o)
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

// StartAlertmanager starts Alertmanager for t (in t's temp dir unless o.Dir is set) and
// stops it when t ends, printing its log first if t failed.
func StartAlertmanager(t testing.TB, o localstack.AlertmanagerOptions) *localstack.Alertmanager {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), localstack.DefaultStartTimeout)
	defer cancel()
	am, err := localstack.StartAlertmanager(ctx, o, localstack.DefaultStartTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last %d lines of alertmanager (%s):\n%s", logTailLines, am.Process.LogPath(), am.Process.LogTail(logTailLines))
		}
		if err := am.Stop(); err != nil {
			t.Errorf("stop alertmanager: %v", err)
		}
	})
	return am
}

// StartNetweave starts netweave behind its APIService on cp for t (localstack.StartNetweave)
// and stops it when t ends, printing its log first if t failed.
func StartNetweave(t testing.TB, cp *localstack.ControlPlane, o localstack.NetweaveOptions) *localstack.Netweave {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*localstack.DefaultStartTimeout)
	defer cancel()
	nw, err := localstack.StartNetweave(ctx, cp, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			p := nw.Process
			t.Logf("last %d lines of %s (%s):\n%s", logTailLines, p.Name(), p.LogPath(), p.LogTail(logTailLines))
		}
		if err := nw.Process.Stop(); err != nil {
			t.Errorf("stop %s: %v", nw.Process.Name(), err)
		}
	})
	return nw
}
