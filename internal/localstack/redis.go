package localstack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// RedisDurableArgs are the redis-server arguments netweave requires (docs/redis.md): an
// append-only file fsynced every second instead of snapshots, and no eviction.
func RedisDurableArgs() []string {
	return []string{"--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction"}
}

// StartRedis runs redis-server from PATH on a free loopback port, configured as production must
// be (RedisDurableArgs), so netweave's redis-durability check passes and a Redis restart keeps
// the data. It returns the process and host:port. Redis writes its process id to
// RedisPidFile(dir) at every start, so commands can name the current one after a restart.
func StartRedis(ctx context.Context, dir string, timeout time.Duration) (*Process, string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, "", fmt.Errorf("start redis: %w (hack/build-control-plane.sh installs it)", err)
	}
	return startRedis(ctx, bin, dir, timeout, FreePort)
}

// startRedis is StartRedis with bin, the redis-server binary, on ports pick chooses.
func startRedis(ctx context.Context, bin, dir string, timeout time.Duration, pick func() (int, error)) (*Process, string, error) {
	type started struct {
		proc *Process
		addr string
	}
	s, err := retryTakenPort(func() (started, *Process, int64, error) {
		proc, addr, logStart, err := startRedisOnce(ctx, bin, dir, timeout, pick)
		return started{proc, addr}, proc, logStart, err
	})
	return s.proc, s.addr, err
}

// startRedisOnce starts redis-server on a port pick chooses and waits for it; logStart is where this
// run's output begins in the (appended) log, for telling a lost port from other failures.
func startRedisOnce(ctx context.Context, bin, dir string, timeout time.Duration, pick func() (int, error)) (*Process, string, int64, error) {
	port, err := pick()
	if err != nil {
		return nil, "", 0, fmt.Errorf("start redis: %w", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	logPath := filepath.Join(dir, "redis.log")
	logStart := logEnd(logPath)
	proc, err := StartProcess(ProcessOptions{
		Name: "redis-server",
		Argv: append([]string{bin,
			"--bind", "127.0.0.1",
			"--port", strconv.Itoa(port),
			"--dir", dir,
			"--pidfile", RedisPidFile(dir),
		}, RedisDurableArgs()...),
		LogPath: logPath,
	})
	if err != nil {
		return nil, "", 0, err
	}
	if err := WaitForRedis(ctx, addr, proc, timeout); err != nil {
		return proc, "", logStart, errors.Join(err, proc.Stop())
	}
	return proc, addr, logStart, nil
}

// RedisPidFile is where the redis-server StartRedis runs in dir writes its process id.
func RedisPidFile(dir string) string { return filepath.Join(dir, "redis.pid") }

// WaitForRedis polls proc's redis-server at addr until it answers as proc, because redis
// accepts connections before it has loaded, and because a server answering on addr may be
// another one that took the port first (ours then exits); it fails at once, with the log's
// tail, if the process exits.
func WaitForRedis(ctx context.Context, addr string, proc *Process, timeout time.Duration) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		select {
		case <-proc.Exited():
			return false, fmt.Errorf("redis-server exited (%v):\n%s", proc.ExitError(), proc.LogTail(20))
		default:
		}
		pid, err := redisProcessID(ctx, addr)
		if err != nil {
			last = err
			return false, nil
		}
		if pid != proc.Pid() {
			last = fmt.Errorf("answered by another redis-server (pid %d), not ours (pid %d)", pid, proc.Pid())
			return false, nil
		}
		// INFO is answered while the data is still loading; PING is not (LOADING).
		last = PingRedis(ctx, addr)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("wait for redis on %s: %w (last: %v)", addr, err, last)
	}
	return nil
}

// redisProcessID asks the server at addr for its process id (INFO server); a server answers
// it while it still loads its data, so readiness is PING's.
func redisProcessID(ctx context.Context, addr string) (int, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return 0, err
	}
	if _, err := conn.Write([]byte("INFO server\r\n")); err != nil {
		return 0, err
	}
	r := bufio.NewReader(conn)
	head, err := r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	head = strings.TrimSpace(head)
	n, err := strconv.Atoi(strings.TrimPrefix(head, "$"))
	if !strings.HasPrefix(head, "$") || err != nil || n < 0 {
		return 0, fmt.Errorf("INFO answered %q", head)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, fmt.Errorf("read INFO: %w", err)
	}
	for line := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, errors.New("INFO server names no process_id")
}

// PingRedis sends one PING, speaking just enough RESP to need no client library.
func PingRedis(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}
