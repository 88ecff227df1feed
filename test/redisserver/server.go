// Package redisserver runs a throw-away redis-server process for tests.
//
// Each Server owns one process bound to 127.0.0.1 on a free port, configured
// as netweave requires (docs/redis.md): an append-only file fsynced every
// second and maxmemory-policy noeviction, with its working directory in
// t.TempDir(). Tests can Stop and Restart it to simulate Redis outages (the
// data survives, as with a durable Redis), or Wipe it to simulate losing the
// data; both reuse the same port so clients configured with Addr reconnect on
// their own.
package redisserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

// startTimeout bounds how long we wait for redis-server to answer PING.
const startTimeout = 20 * time.Second

var (
	installOnce sync.Once
	installErr  error
	binaryPath  string
)

// Server is a running (or stopped) redis-server owned by one test.
type Server struct {
	tb   testing.TB
	dir  string
	port int
	// args follow the standard ones on the command line (Options.Args).
	args []string
	// sentinelConf, when set, makes this a Sentinel reading that configuration file.
	sentinelConf string

	mu sync.Mutex
	// proc is the current process, nil once stopped. It runs as localstack runs every process
	// of the stack: in its own process group, killed by the kernel if the test binary dies
	// first (a test that times out must not leave a redis-server behind).
	proc *localstack.Process
}

// Options configures StartWith.
type Options struct {
	// Args are added to the command line after the standard ones (localstack.RedisDurableArgs), e.g.
	// "--replicaof", "127.0.0.1", "6379".
	Args []string
}

// Start launches a fresh redis-server and registers its shutdown with t.Cleanup.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return StartWith(tb, Options{})
}

// StartWith is Start with extra command-line arguments.
func StartWith(tb testing.TB, o Options) *Server {
	tb.Helper()
	return launch(tb, func(s *Server) { s.args = append([]string(nil), o.Args...) })
}

// launch starts a server on a free port in a fresh directory, with setup applied first.
func launch(tb testing.TB, setup func(*Server)) *Server {
	tb.Helper()
	bin, err := findBinary()
	if err != nil {
		tb.Fatalf("redis-server unavailable: %v", err)
	}
	port, err := localstack.FreePort()
	if err != nil {
		tb.Fatalf("finding a free port: %v", err)
	}
	s := &Server{tb: tb, dir: tb.TempDir(), port: port}
	if setup != nil {
		setup(s)
	}
	if err := s.start(bin); err != nil {
		tb.Fatalf("starting redis-server: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// Binary is the path of redis-server, installed first if it is missing.
func Binary() (string, error) { return findBinary() }

// Addr is the host:port clients should dial.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// Pid is the process id of the running redis-server, 0 when stopped.
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.Pid()
}

// Port is the TCP port the server listens on (stable across restarts).
func (s *Server) Port() int { return s.port }

// Stop kills the server (SIGKILL: a crash, not a shutdown, so nothing is flushed or handed
// over) and waits for the process to exit. It is idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	proc := s.proc
	s.proc = nil
	s.mu.Unlock()
	if proc == nil {
		return
	}
	s.flushAppendOnlyFile()
	_ = proc.Kill()
}

// flushAppendOnlyFile makes Redis write what it acknowledged to its append-only file before it
// is killed. With appendfsync everysec Redis postpones that write (by up to two seconds, having
// replied already) while the previous second's fsync still runs, which on a loaded machine
// happens: a kill then lost acknowledged writes, and a test that restarts Redis expecting them
// saw the store go back. With appendfsync always, the write is made before the reply to the
// CONFIG SET itself. Best effort: a server that does not answer (frozen) is killed as it is.
func (s *Server) flushAppendOnlyFile() {
	if s.sentinelConf != "" {
		return
	}
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$11\r\nappendfsync\r\n$6\r\nalways\r\n")); err != nil {
		return
	}
	var reply [64]byte
	_, _ = c.Read(reply[:])
}

// Freeze stops the server with SIGSTOP: its connections stay open and nothing answers, as in
// a network partition or a stalled host. The returned resume (SIGCONT) is idempotent and also
// runs when the test ends.
func (s *Server) Freeze() (resume func()) {
	s.tb.Helper()
	pid := s.Pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		s.tb.Fatalf("freeze redis-server: %v", err)
	}
	var once sync.Once
	resume = func() {
		once.Do(func() {
			if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
				s.tb.Errorf("resume redis-server: %v", err)
			}
		})
	}
	s.tb.Cleanup(resume)
	return resume
}

// Restart kills the server (if running) and starts it again on the same port.
// Everything acknowledged is there again: Stop has Redis write its append-only file
// first (flushAppendOnlyFile), and a killed process does not take the page cache
// with it.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.restart()
}

// Wipe kills the server (if running) and starts it again on the same port with
// its data gone, like a Redis that lost its volume or ran without persistence.
func (s *Server) Wipe() {
	s.tb.Helper()
	s.Stop()
	if err := os.RemoveAll(s.dataDir()); err != nil {
		s.tb.Fatalf("wiping redis data: %v", err)
	}
	s.restart()
}

func (s *Server) restart() {
	s.tb.Helper()
	bin, err := findBinary()
	if err != nil {
		s.tb.Fatalf("redis-server unavailable: %v", err)
	}
	// The old socket can linger briefly; retry binding until the deadline.
	deadline := time.Now().Add(startTimeout)
	for {
		err = s.start(bin)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("restarting redis-server: %v", err)
		}
	}
}

// Running reports whether the process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return false
	}
	select {
	case <-s.proc.Exited():
		return false
	default:
		return true
	}
}

// dataDir holds the append-only file; logs stay beside it so that Wipe keeps them.
func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

func (s *Server) start(bin string) error {
	if err := os.MkdirAll(s.dataDir(), 0o700); err != nil {
		return err
	}
	var argv []string
	if s.sentinelConf != "" {
		// Port, address and directory are in the file, which Sentinel rewrites as it learns
		// about replicas, other Sentinels and failovers.
		argv = []string{s.sentinelConf, "--sentinel"}
	} else {
		argv = append([]string{
			"--port", strconv.Itoa(s.port),
			"--bind", "127.0.0.1",
			"--dir", s.dataDir(),
			"--protected-mode", "no",
			"--loglevel", "warning",
		}, localstack.RedisDurableArgs()...)
	}
	// The log is appended across restarts and lives beside the data, so Wipe keeps it.
	proc, err := localstack.StartProcess(localstack.ProcessOptions{
		Name:    "redis-server",
		Argv:    append(append([]string{bin}, argv...), s.args...),
		LogPath: filepath.Join(s.dir, "redis.log"),
	})
	if err != nil {
		return err
	}
	if err := localstack.WaitForRedis(context.Background(), s.Addr(), proc, startTimeout); err != nil {
		_ = proc.Kill()
		return err
	}
	s.mu.Lock()
	s.proc = proc
	s.mu.Unlock()
	return nil
}

// findBinary locates redis-server, installing the Debian package once per
// process when it is missing (CI machines start without it).
func findBinary() (string, error) {
	installOnce.Do(func() {
		if p, err := exec.LookPath("redis-server"); err == nil {
			binaryPath = p
			return
		}
		if out, err := exec.Command("apt-get", "update").CombinedOutput(); err != nil {
			installErr = fmt.Errorf("apt-get update: %v: %s", err, out)
			return
		}
		cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", "redis-server")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			installErr = fmt.Errorf("apt-get install redis-server: %v: %s", err, out)
			return
		}
		binaryPath, installErr = exec.LookPath("redis-server")
	})
	return binaryPath, installErr
}
