package localstack

import (
	"bufio"
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRegressionStackTalkedToAnotherRedis: a port FreePort found free can be taken (by another
// test package's Redis, say) before redis-server binds it. redis-server then exits, but the
// readiness PING reached the other server and StartRedis reported success, so the stack ran
// against someone else's Redis. It must notice and start on another port.
func TestRegressionStackTalkedToAnotherRedis(t *testing.T) {
	squatter, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { squatter.Close() })
	go serveFakeRedis(squatter)
	taken := squatter.Addr().(*net.TCPAddr).Port

	first := true
	pick := func() (int, error) {
		if first {
			first = false
			return taken, nil
		}
		return FreePort()
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal(err)
	}
	proc, addr, err := startRedis(context.Background(), bin, t.TempDir(), 30*time.Second, pick)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proc.Stop() })
	if addr == squatter.Addr().String() {
		t.Fatalf("StartRedis returned %s, the port another server holds", addr)
	}
	select {
	case <-proc.Exited():
		t.Fatalf("StartRedis returned a redis-server that has exited (%v)", proc.ExitError())
	default:
	}
	if err := PingRedis(context.Background(), addr); err != nil {
		t.Fatal(err)
	}
}

// serveFakeRedis answers PONG to anything and INFO with a process id that is not a child's.
func serveFakeRedis(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			r := bufio.NewReader(conn)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if strings.HasPrefix(strings.ToUpper(line), "INFO") {
					body := "# Server\r\nprocess_id:1\r\n"
					_, _ = conn.Write([]byte("$" + strconv.Itoa(len(body)) + "\r\n" + body + "\r\n"))
					continue
				}
				_, _ = conn.Write([]byte("+PONG\r\n"))
			}
		}()
	}
}
