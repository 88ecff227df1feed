package localstack

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"
)

// Etcd is a single-member etcd on loopback, with fsync off because its data dies with the run.
type Etcd struct {
	// URL is the client URL to give kube-apiserver's --etcd-servers.
	URL     string
	Process *Process
}

// StartEtcd starts etcd with its data and log under dir and waits until it answers /health.
func StartEtcd(ctx context.Context, dir string, timeout time.Duration) (*Etcd, error) {
	bin, err := EtcdBinary()
	if err != nil {
		return nil, err
	}
	clientPort, err := FreePort()
	if err != nil {
		return nil, fmt.Errorf("start etcd: %w", err)
	}
	peerPort, err := FreePort()
	if err != nil {
		return nil, fmt.Errorf("start etcd: %w", err)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	proc, err := StartProcess(ProcessOptions{
		Name: "etcd",
		Argv: []string{
			bin,
			"--data-dir=" + filepath.Join(dir, "data"),
			"--listen-client-urls=" + url,
			fmt.Sprintf("--listen-peer-urls=http://127.0.0.1:%d", peerPort),
			"--unsafe-no-fsync",
		},
		LogPath: filepath.Join(dir, "etcd.log"),
	})
	if err != nil {
		return nil, err
	}
	if err := WaitForHTTPOK(ctx, http.DefaultClient, url+"/health", proc, timeout); err != nil {
		_ = proc.Stop()
		return nil, fmt.Errorf("start etcd: %w", err)
	}
	return &Etcd{URL: url, Process: proc}, nil
}

// Stop stops etcd.
func (e *Etcd) Stop() error { return e.Process.Stop() }
