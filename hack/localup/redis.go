package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/netweave-io/netweave/test/e2e/framework"
	"github.com/netweave-io/netweave/test/redisserver"
)

// startRedis runs redis-server from PATH on a free loopback port, configured as production must
// be (docs/redis.md): AOF fsynced every second, no eviction, so netweave's redis-durability check
// passes and a Redis restart keeps the demo's data. It returns the process and host:port.
func startRedis(ctx context.Context, dir string, timeout time.Duration) (*framework.Process, string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, "", fmt.Errorf("start redis: %w (hack/build-control-plane.sh installs it)", err)
	}
	port, err := framework.FreePort()
	if err != nil {
		return nil, "", fmt.Errorf("start redis: %w", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	proc, err := framework.StartProcess(framework.ProcessOptions{
		Name: "redis-server",
		Argv: append([]string{bin,
			"--bind", "127.0.0.1",
			"--port", strconv.Itoa(port),
			"--dir", dir,
		}, redisserver.DurableArgs...),
		LogPath: filepath.Join(dir, "redis.log"),
	})
	if err != nil {
		return nil, "", err
	}
	if err := waitForRedis(ctx, addr, proc, timeout); err != nil {
		return nil, "", errorsJoinStop(err, proc)
	}
	return proc, addr, nil
}

// waitForRedis polls with PING because redis accepts connections before it has loaded.
func waitForRedis(ctx context.Context, addr string, proc *framework.Process, timeout time.Duration) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		select {
		case <-proc.Exited():
			return false, fmt.Errorf("redis-server exited (%v):\n%s", proc.ExitError(), proc.LogTail(20))
		default:
		}
		last = ping(ctx, addr)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("wait for redis on %s: %w (last: %v)", addr, err, last)
	}
	return nil
}

func ping(ctx context.Context, addr string) error {
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
