package localstack

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestRegressionStackTalkedToAnotherEtcd: a port FreePort found free can be taken (by another
// test package's etcd, say) before etcd binds it. etcd then exits, but /health was answered by
// the other etcd and StartEtcd reported success, so kube-apiserver would have stored the
// stack's objects in someone else's etcd. It must notice and start on other ports.
func TestRegressionStackTalkedToAnotherEtcd(t *testing.T) {
	squatter, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An etcd that is healthy and is not ours: another member name.
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/health":
			_, _ = w.Write([]byte(`{"health":"true","reason":""}`))
		case "/v3/cluster/member/list":
			_, _ = w.Write([]byte(`{"header":{},"members":[{"ID":"1","name":"default"}]}`))
		default:
			http.NotFound(w, r)
		}
	})}
	go func() { _ = srv.Serve(squatter) }()
	t.Cleanup(func() { _ = srv.Close() })
	taken := squatter.Addr().(*net.TCPAddr).Port

	first := true
	pick := func() (int, error) {
		if first {
			first = false
			return taken, nil
		}
		return FreePort()
	}
	bin, err := EtcdBinary()
	if err != nil {
		t.Fatal(err)
	}
	e, err := startEtcd(context.Background(), bin, t.TempDir(), time.Minute, pick)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Stop() })
	if e.URL == "http://"+squatter.Addr().String() {
		t.Fatalf("StartEtcd returned %s, the port another server holds", e.URL)
	}
	if exited(e.Process) {
		t.Fatalf("StartEtcd returned an etcd that has exited (%v)", e.Process.ExitError())
	}
	if err := etcdHealthy(context.Background(), e.URL); err != nil {
		t.Fatal(err)
	}
}
