package localstack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
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
	port, err := FreePort()
	if err != nil {
		return nil, "", fmt.Errorf("start redis: %w", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	proc, err := StartProcess(ProcessOptions{
		Name: "redis-server",
		Argv: append([]string{bin,
			"--bind", "127.0.0.1",
			"--port", strconv.Itoa(port),
			"--dir", dir,
			"--pidfile", RedisPidFile(dir),
		}, RedisDurableArgs()...),
		LogPath: filepath.Join(dir, "redis.log"),
	})
	if err != nil {
		return nil, "", err
	}
	if err := WaitForRedis(ctx, addr, proc, timeout); err != nil {
		return nil, "", errors.Join(err, proc.Stop())
	}
	return proc, addr, nil
}

// RedisPidFile is where the redis-server StartRedis runs in dir writes its process id.
func RedisPidFile(dir string) string { return filepath.Join(dir, "redis.pid") }

// WaitForRedis polls proc's redis-server at addr with PING, because redis accepts connections
// before it has loaded; it fails at once, with the log's tail, if the process exits.
func WaitForRedis(ctx context.Context, addr string, proc *Process, timeout time.Duration) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		select {
		case <-proc.Exited():
			return false, fmt.Errorf("redis-server exited (%v):\n%s", proc.ExitError(), proc.LogTail(20))
		default:
		}
		last = PingRedis(ctx, addr)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("wait for redis on %s: %w (last: %v)", addr, err, last)
	}
	return nil
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
