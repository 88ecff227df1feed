package integration

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/netweave-io/netweave/test/redisserver"
)

// orphanHelperEnv makes this test binary, run again as a child, the test process that dies.
const orphanHelperEnv = "NETWEAVE_ORPHAN_HELPER"

// TestRedisServerDiesWithTestBinary is the regression test for redis-server processes left
// running after a test binary was killed (a `go test -timeout` panic, a CI job cancelled, a
// benchmark stopped with kill): redisserver started redis-server as a plain child, so it
// outlived its test and kept its port and memory. A child copy of this test binary starts a
// Server, reports the redis-server's pid, and is killed with SIGKILL (no cleanup runs); the
// redis-server must then be gone.
func TestRedisServerDiesWithTestBinary(t *testing.T) {
	if os.Getenv(orphanHelperEnv) != "" {
		s := redisserver.Start(t)
		pid := s.Pid()
		os.Stdout.WriteString("redis-pid " + strconv.Itoa(pid) + "\n")
		// Block until the parent kills this process; stdin is a pipe the parent keeps open.
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		return
	}

	helper := exec.Command(os.Args[0], "-test.run=^TestRedisServerDiesWithTestBinary$", "-test.count=1")
	// The child's t.TempDir is made under this test's, so nothing is left when the child dies.
	helper.Env = append(os.Environ(), orphanHelperEnv+"=1", "TMPDIR="+t.TempDir())
	stdin, err := helper.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = helper.Process.Kill()
			_ = helper.Wait()
		}
	}()

	pid := 0
	lines := bufio.NewScanner(stdout)
	for pid == 0 && lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "redis-pid "); ok {
			if pid, err = strconv.Atoi(v); err != nil {
				t.Fatalf("helper reported pid %q: %v", v, err)
			}
		}
	}
	if pid == 0 {
		t.Fatalf("the helper test ended without starting redis-server: %v", lines.Err())
	}
	if !alive(pid) {
		t.Fatalf("redis-server %d is not running while its test is", pid)
	}

	if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	killed = true

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := wait.PollUntilContextCancel(ctx, 20*time.Millisecond, true, func(context.Context) (bool, error) {
		return !alive(pid), nil
	}); err != nil {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("redis-server %d still runs 10s after its test binary was killed", pid)
	}
}

// alive reports whether pid is a process that has not exited: absent and zombie processes
// (exited, waiting for a parent that may not reap) are not.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// The state follows the command name, which is in parentheses and may contain spaces.
	rest := stat[strings.LastIndexByte(string(stat), ')')+1:]
	fields := strings.Fields(string(rest))
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}
