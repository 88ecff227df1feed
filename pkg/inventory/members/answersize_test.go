package members

import (
	"context"
	"encoding/binary"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// endless writes prefix and then zeros until the client goes away, counting what it sent.
func endless(sent *atomic.Int64, contentType string, prefix []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		n, err := w.Write(prefix)
		sent.Add(int64(n))
		chunk := make([]byte, 64<<10)
		for err == nil && r.Context().Err() == nil {
			n, err = w.Write(chunk)
			sent.Add(int64(n))
		}
	}
}

// connectionBuffers is how much more than a client read a server may have written: on
// loopback the kernel grows a socket's receive buffer up to tcp_rmem's maximum (32 MiB on the
// CI machine; 291 MB were counted once under load against MaxAnswer and a 16 MiB allowance),
// and the send buffer, TLS and HTTP/2 flow control add a few more. Unbounded, a count grows
// until the test's deadline.
const connectionBuffers = 64 << 20

// watchEnds opens a watch with open and reads it until it ends, which it must do before the
// test's guard deadline.
func watchEnds(t *testing.T, open func(context.Context) (watch.Interface, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for ev := range w.ResultChan() {
		t.Logf("watch event %s", ev.Type)
	}
	w.Stop()
	if ctx.Err() != nil {
		t.Fatal("the watch of one endless event did not end")
	}
}

// TestRegressionMemberAnswerOfGigabytesExhaustsMemory: client-go reads an answer whole into
// memory, and a tenant's member may be a server the tenant runs (it chooses its Cluster's
// control plane endpoint): a list answered with an endless body was read until netweave's
// memory ran out. Every answer but a watch's is now cut off past MaxAnswer, and a watch's
// events, asked for in protobuf, are refused one by one past client-go's 16 MiB per frame
// (a JSON event is read whole whatever its size).
func TestRegressionMemberAnswerOfGigabytesExhaustsMemory(t *testing.T) {
	var listSent, watchSent atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/nodes", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") == "" {
			endless(&listSent, "application/json", []byte(`{"kind":"NodeList","apiVersion":"v1","items":[{"metadata":{"name":"`))(w, r)
			return
		}
		if !strings.Contains(r.Header.Get("Accept"), "application/vnd.kubernetes.protobuf") {
			http.Error(w, "this test's server answers watches in protobuf only", http.StatusNotAcceptable)
			return
		}
		// One frame that says it is 2 GiB long.
		frame := binary.BigEndian.AppendUint32(nil, 1<<31-1)
		endless(&watchSent, "application/vnd.kubernetes.protobuf;stream=watch", frame)(w, r)
	})
	port, kubeconfigAt := tlsServer(t, mux)
	c, err := NewConnect(0, 0, time.Minute, Addresses{})(Registration{Kubeconfig: kubeconfigAt("https://127.0.0.1:" + port)})
	if err != nil {
		t.Fatal(err)
	}
	// The list and the watch each get their own hang guard: reading 256 MiB over TLS takes
	// about 30s under -race, and a shared deadline left the watch none of it.
	listCtx, cancelList := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancelList()

	if _, err := c.Kube.CoreV1().Nodes().List(listCtx, metav1.ListOptions{}); err == nil || !strings.Contains(err.Error(), "answered more than") {
		t.Errorf("an endless list: %v", err)
	}
	if n := listSent.Load(); n > MaxAnswer+connectionBuffers {
		t.Errorf("the client read %d bytes of an endless list, more than MaxAnswer (%d) and the connection's buffers", n, MaxAnswer)
	}

	watchEnds(t, func(ctx context.Context) (watch.Interface, error) {
		return c.Kube.CoreV1().Nodes().Watch(ctx, metav1.ListOptions{})
	})
	if n := watchSent.Load(); n > 64<<20 {
		t.Errorf("the client read %d bytes of one watch event", n)
	}
}
