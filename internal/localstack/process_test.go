package localstack

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

func TestProcessStopRestartKill(t *testing.T) {
	p, err := StartProcess(ProcessOptions{
		Name:    "sleeper",
		Argv:    []string{"sh", "-c", "echo started; exec sleep 600"},
		LogPath: filepath.Join(t.TempDir(), "sleeper.log"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Kill() })
	waitForLines(t, p, "started", 1)
	first := p.Pid()
	if err := p.Start(); err == nil {
		t.Fatal("second Start of a running process: want an error")
	}

	if err := p.Restart(); err != nil {
		t.Fatal(err)
	}
	if p.Pid() == first {
		t.Fatalf("Restart kept pid %d", first)
	}
	select {
	case <-p.Exited():
		t.Fatal("restarted process reports exited")
	default:
	}

	// The log is appended across restarts, so both runs end up in it.
	waitForLines(t, p, "started", 2)

	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	if p.ExitError() == nil {
		t.Fatal("killed process: want a non-nil exit error")
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop after exit must be a no-op: %v", err)
	}
}

func TestStopEscalatesToKill(t *testing.T) {
	p, err := StartProcess(ProcessOptions{
		Argv:        []string{"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"},
		LogPath:     filepath.Join(t.TempDir(), "stubborn.log"),
		GracePeriod: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Kill() })
	waitForLines(t, p, "ready", 1)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	if err := p.ExitError(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("a process ignoring SIGTERM must be killed after the grace period; exit: %v", err)
	}
}

func TestWaitFailsFastWhenProcessExits(t *testing.T) {
	p, err := StartProcess(ProcessOptions{
		Name:    "crasher",
		Argv:    []string{"sh", "-c", "echo boom >&2; exit 3"},
		LogPath: filepath.Join(t.TempDir(), "crasher.log"),
	})
	if err != nil {
		t.Fatal(err)
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	// A long timeout: the wait must end because the process exited, not because time ran out.
	err = WaitForHTTPOK(context.Background(), http.DefaultClient, "http://127.0.0.1:"+strconv.Itoa(port)+"/", p, time.Hour)
	if err == nil || !strings.Contains(err.Error(), "crasher exited early") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("want an early-exit error quoting the log, got %v", err)
	}
}

// waitForLines waits until the log holds n lines containing substr; a process that is signalled
// before it has written anything would make later assertions about its log meaningless.
func waitForLines(t *testing.T, p *Process, substr string, n int) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return strings.Count(p.LogTail(100), substr) == n, nil
	})
	if err != nil {
		t.Fatalf("want %d %q lines in the log of %s: %v (exit: %v)\n%s", n, substr, p.Name(), err, p.ExitError(), p.LogTail(100))
	}
}

// TestRegressionStartTimeoutShowedNoLog: a component that never became ready failed the start
// with only "context deadline exceeded (last answer: connection refused)", naming neither the
// component nor why; the child's own explanation sat in a log the message did not point to.
func TestRegressionStartTimeoutShowedNoLog(t *testing.T) {
	p, err := StartProcess(ProcessOptions{
		Name:    "hanger",
		Argv:    []string{"sh", "-c", "echo waiting for a peer that never comes >&2; exec sleep 600"},
		LogPath: filepath.Join(t.TempDir(), "hanger.log"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Kill() })
	waitForLines(t, p, "never comes", 1)
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	err = WaitForHTTPOK(context.Background(), http.DefaultClient, "http://127.0.0.1:"+strconv.Itoa(port)+"/", p, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "hanger") || !strings.Contains(err.Error(), "never comes") {
		t.Fatalf("want a timeout naming the process and quoting its log, got %v", err)
	}
}
