package redis

import (
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"

	"github.com/netweave-io/netweave/test/redisserver"
)

// replyCutter is a TCP proxy in front of Redis that, once armed with a marker (here the sha of
// a write script, which its EVALSHA carries), lets the next command containing it through to
// Redis and closes the client's connection instead of passing on Redis's reply: Redis ran the
// command, the client cannot know it.
type replyCutter struct {
	t      *testing.T
	ln     net.Listener
	target string
	marker atomic.Pointer[[]byte]
	cuts   atomic.Int32
	wg     sync.WaitGroup
}

func newReplyCutter(t *testing.T, target string) *replyCutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &replyCutter{t: t, ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { _ = ln.Close(); p.wg.Wait() })
	return p
}

func (p *replyCutter) addr() string { return p.ln.Addr().String() }

// arm makes the next command that contains marker lose its reply.
func (p *replyCutter) arm(marker string) { b := []byte(marker); p.marker.Store(&b) }

func (p *replyCutter) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.wg.Add(2)
		var cut atomic.Bool
		go func() { // client → Redis, noting a command that carries the marker
			defer p.wg.Done()
			buf := make([]byte, 64<<10)
			for {
				n, err := client.Read(buf)
				if n > 0 {
					if m := p.marker.Load(); m != nil && bytes.Contains(buf[:n], *m) && p.marker.CompareAndSwap(m, nil) {
						cut.Store(true)
					}
					if _, werr := server.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					_ = server.Close()
					return
				}
			}
		}()
		go func() { // Redis → client, cut after the marked command ran
			defer p.wg.Done()
			buf := make([]byte, 64<<10)
			for {
				n, err := server.Read(buf)
				if n > 0 && cut.Load() {
					p.cuts.Add(1)
					_ = client.Close()
					_, _ = io.Copy(io.Discard, server)
					return
				}
				if n > 0 {
					if _, werr := client.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					_ = client.Close()
					return
				}
			}
		}()
	}
}

// TestWriteWhoseReplyIsLostIsNotSentAgain is the regression test for go-redis sending a write
// again after its connection broke before the reply (its default is three retries, on EOF,
// resets and read timeouts): Redis had run it, so the second run met the first one's result.
// A create answered 409 AlreadyExists for the object it had just created, and an update ran
// its change twice (the API server's GuaranteedUpdate, finding the revision moved, applied
// the change again on top of the first application: a JSON patch that appends, appended
// twice). Now a write runs once: a reply lost after sending is a 500 of unknown outcome, as
// with etcd, and the change is in the store once.
func TestWriteWhoseReplyIsLostIsNotSentAgain(t *testing.T) {
	env := newTestEnv(t)
	cutter := newReplyCutter(t, env.server.Addr())
	client := goredis.NewClient(&goredis.Options{Addr: cutter.addr()})
	t.Cleanup(func() { _ = client.Close() })
	s := env.newStore(t, withClient(client))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	unknownOutcome := func(what string, err error) {
		t.Helper()
		if !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "outcome") || !strings.Contains(err.Error(), "is unknown") {
			t.Errorf("%s whose reply was lost: %v, want a 500 saying its outcome is unknown", what, err)
		}
	}

	// An update that is not idempotent: it counts.
	increment := func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
		p := in.(*example.Pod).DeepCopy()
		n, err := strconv.Atoi(p.Labels["n"])
		if err != nil {
			return nil, nil, err
		}
		p.Labels["n"] = strconv.Itoa(n + 1)
		return p, nil, nil
	}
	// Every script once first, so that Redis has them cached and the cut reply below is the
	// script's own, not a NOSCRIPT that ran nothing.
	warm := &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: "warm", Namespace: "ns", Labels: map[string]string{"n": "0"}}}
	if err := s.Create(ctx, "/pods/ns/warm", warm, &example.Pod{}, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.GuaranteedUpdate(ctx, "/pods/ns/warm", &example.Pod{}, false, nil, increment, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "/pods/ns/warm", &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	cutter.arm(putScript.Hash())
	pod := &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: "lost-reply", Namespace: "ns", Labels: map[string]string{"n": "0"}}}
	unknownOutcome("a create", s.Create(ctx, "/pods/ns/lost-reply", pod, &example.Pod{}, 0))
	if cutter.cuts.Load() != 1 {
		t.Fatalf("%d replies cut, want 1", cutter.cuts.Load())
	}
	got := &example.Pod{}
	if err := s.Get(ctx, "/pods/ns/lost-reply", storage.GetOptions{}, got); err != nil {
		t.Fatalf("the create Redis ran: %v", err)
	}

	cutter.arm(putScript.Hash())
	unknownOutcome("an update", s.GuaranteedUpdate(ctx, "/pods/ns/lost-reply", &example.Pod{}, false, nil, increment, nil))
	if err := s.Get(ctx, "/pods/ns/lost-reply", storage.GetOptions{}, got); err != nil {
		t.Fatal(err)
	}
	if got.Labels["n"] != "1" {
		t.Errorf("the counter is %s after one update, want 1", got.Labels["n"])
	}

	cutter.arm(deleteScript.Hash())
	unknownOutcome("a delete", s.Delete(ctx, "/pods/ns/lost-reply", &example.Pod{}, nil, storage.ValidateAllObjectFunc, nil, storage.DeleteOptions{}))
	if err := s.Get(ctx, "/pods/ns/lost-reply", storage.GetOptions{}, got); !storage.IsNotFound(err) {
		t.Errorf("the delete Redis ran: %v, want the object gone", err)
	}
	if n := cutter.cuts.Load(); n != 3 {
		t.Errorf("%d replies cut, want 3", n)
	}
}

// TestRegressionWriteClientSharesNoConfig: NewWriteClient copied the options of a client in
// use, maintenance-notification config included, which go-redis writes to (auto mode resolved
// to disabled under the client's own lock) as that client's connections open: a data race
// between every store made after the first connections (found with -race in
// test/integration). The write client now has a config of its own, disabled.
func TestRegressionWriteClientSharesNoConfig(t *testing.T) {
	srv := redisserver.Start(t)
	base := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), PoolSize: 32})
	t.Cleanup(func() { _ = base.Close() })
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			// Each blocks its connection a moment, so the pool opens new ones meanwhile.
			_ = base.Do(ctx, "BLPOP", "netweave-test-nothing", "0.05").Err()
		})
	}
	for range 16 {
		wc, err := NewWriteClient(base)
		if err != nil {
			t.Fatal(err)
		}
		if c := wc.Options().MaintNotificationsConfig; c == nil || c.Mode != maintnotifications.ModeDisabled {
			t.Errorf("write client maintenance notifications %+v, want a config of its own, disabled", c)
		}
		if err := wc.Ping(ctx).Err(); err != nil {
			t.Error(err)
		}
		_ = wc.Close()
	}
	wg.Wait()
}
