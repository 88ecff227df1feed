package localstack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// Etcd is a single-member etcd on loopback, with fsync off because its data dies with the run.
type Etcd struct {
	// URL is the client URL to give kube-apiserver's --etcd-servers.
	URL     string
	Process *Process
}

// StartEtcd starts etcd with its data and log under dir and waits until it answers /health as
// itself.
func StartEtcd(ctx context.Context, dir string, timeout time.Duration) (*Etcd, error) {
	bin, err := EtcdBinary()
	if err != nil {
		return nil, err
	}
	return startEtcd(ctx, bin, dir, timeout, FreePort)
}

// startEtcd is StartEtcd with bin, the etcd binary, on ports pick chooses.
func startEtcd(ctx context.Context, bin, dir string, timeout time.Duration, pick func() (int, error)) (*Etcd, error) {
	return retryTakenPort(func() (*Etcd, *Process, int64, error) {
		return startEtcdOnce(ctx, bin, dir, timeout, pick)
	})
}

// startEtcdOnce starts etcd on ports pick chooses, under a member name of its own, and waits
// until the etcd answering on its client port is that member; logStart is where this run's
// output begins in the (appended) log.
func startEtcdOnce(ctx context.Context, bin, dir string, timeout time.Duration, pick func() (int, error)) (*Etcd, *Process, int64, error) {
	clientPort, err := pick()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("start etcd: %w", err)
	}
	peerPort, err := pick()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("start etcd: %w", err)
	}
	name, err := memberName()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("start etcd: %w", err)
	}
	logPath := filepath.Join(dir, "etcd.log")
	logStart := logEnd(logPath)
	url := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	proc, err := StartProcess(ProcessOptions{
		Name: "etcd",
		Argv: []string{
			bin,
			"--name=" + name,
			"--data-dir=" + filepath.Join(dir, "data"),
			"--listen-client-urls=" + url,
			fmt.Sprintf("--listen-peer-urls=http://127.0.0.1:%d", peerPort),
			"--unsafe-no-fsync",
		},
		LogPath: logPath,
	})
	if err != nil {
		return nil, nil, 0, err
	}
	if err := waitForEtcd(ctx, url, name, proc, timeout); err != nil {
		return nil, proc, logStart, errors.Join(fmt.Errorf("start etcd: %w", err), proc.Stop())
	}
	return &Etcd{URL: url, Process: proc}, proc, logStart, nil
}

// memberName is a name no other etcd on this machine has, so that the member list tells ours
// from another that holds the port.
func memberName() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("member name: %w", err)
	}
	return "netweave-" + hex.EncodeToString(b), nil
}

// waitForEtcd polls the etcd at url until it is the member name and answers /health, because a
// port found free may have been taken by another etcd first (another test package's), which
// answers /health as well while ours fails to bind and exits. It fails at once, with the log's
// tail, if the process exits.
func waitForEtcd(ctx context.Context, url, name string, proc *Process, timeout time.Duration) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		if exited(proc) {
			return false, proc.exitedError()
		}
		names, err := etcdMemberNames(ctx, url)
		if err != nil {
			last = err
			return false, nil
		}
		if !slices.Contains(names, name) {
			last = fmt.Errorf("answered by another etcd (members %q), not ours (%q)", names, name)
			return false, nil
		}
		last = etcdHealthy(ctx, url)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("wait for etcd on %s: %w (last: %v)", url, err, last)
	}
	return nil
}

// etcdMemberNames asks the etcd at url for its cluster's member names (the v3 JSON gateway).
func etcdMemberNames(ctx context.Context, url string) ([]string, error) {
	body, err := etcdDo(ctx, http.MethodPost, url+"/v3/cluster/member/list", []byte("{}"))
	if err != nil {
		return nil, err
	}
	var list struct {
		Members []struct {
			Name string `json:"name"`
		} `json:"members"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("decode member list: %w", err)
	}
	names := make([]string, 0, len(list.Members))
	for _, m := range list.Members {
		names = append(names, m.Name)
	}
	return names, nil
}

// etcdHealthy tells whether the etcd at url answers /health with 200.
func etcdHealthy(ctx context.Context, url string) error {
	_, err := etcdDo(ctx, http.MethodGet, url+"/health", nil)
	return err
}

// etcdDo sends one request and returns the body of a 200 answer; anything else is an error.
func etcdDo(ctx context.Context, method, url string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, url, resp.StatusCode, bytes.TrimSpace(data))
	}
	return data, nil
}

// Stop stops etcd.
func (e *Etcd) Stop() error { return e.Process.Stop() }
