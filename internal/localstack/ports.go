package localstack

import (
	"fmt"
	"net"
	"sync"
)

// handedOut holds every port FreePort returned in this process. Once the probe listener is
// closed the kernel may hand the same port to the next probe, and two parts of one stack given
// the same port means the one that starts second cannot listen: TestChartReplicas once found
// kube-apiserver's 404 on a replica's O2 port. Process-wide on purpose, as ports are.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago and that this process
// has not handed out before. Another process may take it before it is used; on these
// single-user machines that race is rare enough to accept, and the alternative (passing
// listeners to child processes) is not supported by kube-apiserver or etcd.
func FreePort() (int, error) {
	const tries = 100
	for range tries {
		port, err := probePort()
		if err != nil {
			return 0, err
		}
		handedOut.Lock()
		fresh := !handedOut.ports[port]
		handedOut.ports[port] = true
		handedOut.Unlock()
		if fresh {
			return port, nil
		}
	}
	return 0, fmt.Errorf("find free port: %d probes returned ports already handed out", tries)
}

func probePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
