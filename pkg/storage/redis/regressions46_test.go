package redis

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/watch"
)

// readerTrap is a go-redis hook on the watch reader's client: the first XREAD waits until
// release is closed (so that writes pile up behind the reader), and fn runs once, right after
// the first command or transaction that returned at least n stream entries (a trim landing
// just after the reader read them all).
type readerTrap struct {
	waiting, release chan struct{}
	waitOnce, fnOnce sync.Once
	n                int
	fn               func()
}

func newReaderTrap(n int, fn func()) *readerTrap {
	return &readerTrap{waiting: make(chan struct{}), release: make(chan struct{}), n: n, fn: fn}
}

func (h *readerTrap) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h *readerTrap) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if strings.EqualFold(cmd.Name(), "xread") {
			h.waitOnce.Do(func() {
				close(h.waiting)
				<-h.release
			})
		}
		err := next(ctx, cmd)
		h.afterRead(cmd)
		return err
	}
}

func (h *readerTrap) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			h.afterRead(c)
		}
		return err
	}
}

func (h *readerTrap) afterRead(cmd goredis.Cmder) {
	got := 0
	switch c := cmd.(type) {
	case *goredis.XStreamSliceCmd:
		for _, st := range c.Val() {
			got += len(st.Messages)
		}
	case *goredis.XMessageSliceCmd:
		got = len(c.Val())
	case *goredis.Cmd:
		// historyScript's answer: {compacted, entries}.
		if res, ok := c.Val().([]interface{}); ok && len(res) == 2 {
			if entries, ok := res[1].([]interface{}); ok {
				got = len(entries)
			}
		}
	}
	if got >= h.n {
		h.fnOnce.Do(h.fn)
	}
}

// TestRegressionTrimRightAfterTheWatchReadIsNotGone: the watch reader read new entries with a
// blocking XREAD and then, in a second call, the compaction point. A trim between the two
// (another replica's write over a short history, while the reader was behind) moved the
// compaction point past entries the XREAD had just returned: every watch of the resource
// ended with 410 Gone, and every client relisted, although nothing was missed. The entries
// and the compaction point are now read in one call (historyScript); XREAD only waits.
func TestRegressionTrimRightAfterTheWatchReadIsNotGone(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	const prefix = "read-trim"
	writer := env.newStore(t, withInstallPrefix(prefix))
	start := createPod(ctx, t, writer, "ns", "start")
	// Another replica whose one write trims the history to its own entry (length 1, slack 1).
	trimmer := env.newStore(t, withInstallPrefix(prefix), withHistoryLength(1))
	const changes = 5
	trap := newReaderTrap(changes, func() { createPod(ctx, t, trimmer, "ns", "last") })
	client := goredis.NewClient(&goredis.Options{Addr: env.server.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	client.AddHook(trap)
	reader := env.newStore(t, withInstallPrefix(prefix), withClient(client))

	w := watchFrom(ctx, t, reader, start.ResourceVersion)
	<-trap.waiting
	for i := range changes {
		createPod(ctx, t, writer, "ns", fmt.Sprintf("p-%d", i))
	}
	close(trap.release)
	for i := range changes + 1 {
		ev := nextEvent(t, w)
		if ev.Type != watch.Added {
			t.Fatalf("event %d: %s; want ADDED (the trim took only entries the reader had read)", i, describe(ev))
		}
	}
}
