// Package redisserver runs a throw-away redis-server process for tests.
//
// Each Server owns one process bound to 127.0.0.1 on a free port, with
// persistence disabled and its working directory in t.TempDir(). Tests can
// Stop and Restart it to simulate Redis outages; Restart reuses the same port
// so clients configured with Addr reconnect on their own.
package redisserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
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

	mu  sync.Mutex
	cmd *exec.Cmd
	// persistent makes (re)starts use an fsync-always append-only file in dir.
	persistent bool
	// exited is closed when the current process has been reaped.
	exited chan struct{}
}

// Start launches a fresh redis-server and registers its shutdown with t.Cleanup.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := findBinary()
	if err != nil {
		tb.Fatalf("redis-server unavailable: %v", err)
	}
	port, err := freePort()
	if err != nil {
		tb.Fatalf("finding a free port: %v", err)
	}
	s := &Server{tb: tb, dir: tb.TempDir(), port: port}
	if err := s.start(bin); err != nil {
		tb.Fatalf("starting redis-server: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// Addr is the host:port clients should dial.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// Port is the TCP port the server listens on (stable across restarts).
func (s *Server) Port() int { return s.port }

// Stop kills the server and waits for the process to exit. It is idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
}

// Restart stops the server (if running) and starts a new, empty one on the
// same port. Data is lost because persistence is disabled, exactly like a
// crashed cache-only Redis.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
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

// EnablePersistence turns on the append-only file (fsync on every write) of the running
// server, keeping its data, so that from now on Stop and Restart behave like a crash of a
// durable Redis: everything acknowledged is there again after Restart. It blocks until the
// current data set is written.
func (s *Server) EnablePersistence() {
	s.tb.Helper()
	s.mu.Lock()
	s.persistent = true
	s.mu.Unlock()
	for _, cmd := range [][]string{{"CONFIG", "SET", "appendfsync", "always"}, {"CONFIG", "SET", "appendonly", "yes"}} {
		if err := command(s.Addr(), cmd...); err != nil {
			s.tb.Fatalf("redis %v: %v", cmd, err)
		}
	}
	// CONFIG SET appendonly yes rewrites the AOF in the background; wait for it.
	deadline := time.Now().Add(startTimeout)
	for {
		reply, err := info(s.Addr(), "persistence")
		if err == nil && strings.Contains(reply, "aof_rewrite_in_progress:0") && strings.Contains(reply, "aof_enabled:1") && !strings.Contains(reply, "aof_rewrite_scheduled:1") {
			return
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("redis AOF rewrite did not finish: %v %s", err, reply)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Running reports whether the process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func (s *Server) start(bin string) error {
	s.mu.Lock()
	appendOnly := "no"
	if s.persistent {
		appendOnly = "yes"
	}
	s.mu.Unlock()
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", appendOnly,
		"--appendfsync", "always",
		"--dir", s.dir,
		"--protected-mode", "no",
		"--loglevel", "warning",
	)
	logFile, err := os.Create(fmt.Sprintf("%s/redis-%d.log", s.dir, time.Now().UnixNano()))
	if err != nil {
		return err
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(exited)
	}()

	if err := waitForPing(s.Addr(), exited); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		out, _ := os.ReadFile(logFile.Name())
		return fmt.Errorf("%w; log: %s", err, strings.TrimSpace(string(out)))
	}
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	return nil
}

// waitForPing polls with a deadline rather than sleeping a fixed time, so fast
// machines start fast and slow ones still succeed.
func waitForPing(addr string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	ticker := time.NewTicker(10 * time.Millisecond)
	defer ticker.Stop()
	for {
		if err := ping(ctx, addr); err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("redis-server exited during startup")
		case <-ctx.Done():
			return fmt.Errorf("redis-server at %s did not answer PING: %w", addr, ctx.Err())
		case <-ticker.C:
		}
	}
}

// ping speaks just enough RESP to avoid depending on a client library here.
func ping(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("unexpected PING reply %q", line)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
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

// command sends one command in RESP and fails unless the reply is +OK.
func command(addr string, args ...string) error {
	reply, err := roundTrip(addr, args...)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(reply, "+OK") {
		return fmt.Errorf("reply %q", reply)
	}
	return nil
}

// info returns the INFO section's text.
func info(addr, section string) (string, error) {
	return roundTrip(addr, "INFO", section)
}

func roundTrip(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(line, "$") {
		return line, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil || n < 0 {
		return line, err
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}
