package redis

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"k8s.io/klog/v2"
)

// ErrNotAnswering is the error of a command the Breaker refused: Redis has not answered
// since a command to it timed out, so the command was not sent.
var ErrNotAnswering = errors.New("redis is not answering (a command to it timed out and nothing arrived from it since)")

// probeBackoff spaces the breaker's probes when one fails at once (Redis refusing
// connections rather than hanging), so that probing never spins.
const probeBackoff = time.Second

// Breaker is a go-redis hook that notices a Redis which stopped answering and then fails
// commands at once, instead of letting each wait out the client's read timeout and its
// retries: against a frozen or partitioned Redis (connections open, nothing answering) every
// command took 3 s per attempt, four attempts, so a kubectl read took 14–34 s to fail and
// every request in the meantime held a connection.
//
// It watches the connections themselves (a DialHook), because go-redis's command hooks see a
// command only after all its attempts: it opens when a read from Redis or a dial to it times
// out, and closes when anything arrives from Redis on any connection. While it is open:
//   - commands under a context from Background go through and wait on Redis as before: the
//     stores' change readers and the read caches' list and watch, so that they follow the
//     store again the moment Redis answers;
//   - the breaker keeps one PING of its own pending on Redis, so it closes the moment Redis
//     answers even in a process with no background commands;
//   - every other command fails with ErrNotAnswering, which the store answers as 503 with
//     Retry-After (nothing was sent: a write that gets it did not happen);
//   - commands already waiting on Redis when it opened end with the attempt they are in
//     instead of starting another (abandonOnOpen).
//
// A single command that outlasts the read timeout on a Redis that still answers others opens
// the breaker until the next reply on any connection (at once, with the probe's PING).
type Breaker struct {
	start   time.Time
	client  goredis.UniversalClient
	metrics *Metrics
	logger  klog.Logger

	// answered and timedOut are the times (since start) of the last read that returned bytes
	// and of the last read or dial that timed out; the breaker is open while timedOut is later.
	answered atomic.Int64
	timedOut atomic.Int64
	// mu orders the start and the end of an open period (see sawTimeout); answers and
	// commands do not take it.
	mu sync.Mutex
	// probing is set while the probe runs, from the timeout that opened the breaker until the
	// probe sees it closed.
	probing bool
	// open is a context cancelled when the breaker opens, renewed when it closes: commands in
	// flight watch it (abandonOnOpen).
	open       atomic.Pointer[context.Context]
	cancelOpen context.CancelFunc
}

var _ goredis.Hook = (*Breaker)(nil)

// InstallBreaker adds a breaker to client, before its first command; metrics may be nil.
func InstallBreaker(client goredis.UniversalClient, logger klog.Logger, metrics *Metrics) *Breaker {
	b := &Breaker{start: time.Now(), client: client, metrics: metrics, logger: logger}
	b.renewOpen()
	metrics.setAnswering(true)
	client.AddHook(b)
	return b
}

// Guard adds the breaker to another client of the same Redis (the stores' write client), so
// that its commands are refused while Redis is not answering and its replies and timeouts
// count too.
func (b *Breaker) Guard(client goredis.UniversalClient) { client.AddHook(b) }

// Answering reports whether Redis answered since the last command to it timed out. A nil
// Breaker (none installed) always reports true.
func (b *Breaker) Answering() bool {
	return b == nil || b.timedOut.Load() <= b.answered.Load()
}

// SilentFor is how long Redis has not answered, 0 while it does.
func (b *Breaker) SilentFor() time.Duration {
	if b.Answering() {
		return 0
	}
	return time.Duration(b.now() - b.answered.Load())
}

func (b *Breaker) now() int64 { return int64(time.Since(b.start)) }

func (b *Breaker) sawAnswer() { b.answered.Store(b.now()) }

// sawTimeout opens the breaker. The open period belongs to the probe: it starts here, sets
// the gauge and logs, and only the probe ends it, so the gauge cannot miss a transition.
func (b *Breaker) sawTimeout(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.timedOut.Store(b.now())
	if !b.probing {
		b.probing = true
		b.cancelOpen()
		b.metrics.setAnswering(false)
		b.logger.Info("Redis stopped answering: refusing commands until it answers again", "err", err)
		go b.probe()
	}
}

// probe keeps a PING pending on Redis until the breaker closes; each waits out the client's
// read timeout and retries, and its reply, or any other, closes the breaker.
func (b *Breaker) probe() {
	for {
		start := time.Now()
		err := b.client.Ping(Background(context.Background())).Err()
		b.mu.Lock()
		if errors.Is(err, goredis.ErrClosed) {
			b.probing = false
			b.mu.Unlock()
			return
		}
		if b.Answering() {
			b.probing = false
			b.renewOpen()
			b.metrics.setAnswering(true)
			b.logger.Info("Redis answers again")
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		if wait := probeBackoff - time.Since(start); wait > 0 {
			time.Sleep(wait)
		}
	}
}

// renewOpen starts a new open signal (under mu, or before the breaker is shared).
func (b *Breaker) renewOpen() {
	ctx, cancel := context.WithCancel(context.Background())
	b.open.Store(&ctx)
	b.cancelOpen = cancel
}

// admit reports whether a command (not a background one) may go to Redis.
func (b *Breaker) admit() bool {
	if b.Answering() {
		return true
	}
	b.metrics.recordRefused()
	return false
}

// DialHook implements goredis.Hook: it watches every connection the client makes.
func (b *Breaker) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil {
			if isNetTimeout(err) {
				b.sawTimeout(err)
			}
			return nil, err
		}
		return watchConn(conn, b), nil
	}
}

// ProcessHook implements goredis.Hook.
func (b *Breaker) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if isBackground(ctx) {
			return next(ctx, cmd)
		}
		if !b.admit() {
			cmd.SetErr(ErrNotAnswering)
			return ErrNotAnswering
		}
		ctx, done := b.abandonOnOpen(ctx)
		err := done(next(ctx, cmd))
		if err != nil {
			cmd.SetErr(err)
		}
		return err
	}
}

// ProcessPipelineHook implements goredis.Hook.
func (b *Breaker) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if isBackground(ctx) {
			return next(ctx, cmds)
		}
		if !b.admit() {
			for _, cmd := range cmds {
				cmd.SetErr(ErrNotAnswering)
			}
			return ErrNotAnswering
		}
		ctx, done := b.abandonOnOpen(ctx)
		return done(next(ctx, cmds))
	}
}

// abandonOnOpen returns ctx cancelled when the breaker opens, and done, which turns the
// command's error into errAbandoned when that cut it short. go-redis does not interrupt an
// attempt for its context (the read timeout bounds it), but it does not start another: so a
// command in flight when Redis stops answering ends with its current attempt instead of after
// three more read timeouts.
func (b *Breaker) abandonOnOpen(ctx context.Context) (context.Context, func(error) error) {
	sig := b.open.Load()
	if (*sig).Err() != nil {
		// The open period it signals is over (admit saw Redis answer since), but the probe,
		// which renews the signal, has not seen it yet: it may wait on a connection still
		// stuck, or sleep its backoff. Cut short at once, the command would fail unsent as of
		// unknown outcome (TestRegressionWriteAfterRedisAnswersAgainIsNotAbandoned).
		return ctx, func(err error) error { return err }
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(*sig, func() { cancel(errAbandoned) })
	return ctx, func(err error) error {
		abandoned := !stop()
		cancel(nil)
		if err != nil && abandoned && errors.Is(context.Cause(ctx), errAbandoned) {
			return errAbandoned
		}
		return err
	}
}

// errAbandoned is the error of a command the breaker cut short: Redis stopped answering while
// it waited, after it may have been sent. It is a timeout: a read that gets it changed nothing,
// a write that gets it may have applied.
var errAbandoned error = abandonedError{}

type abandonedError struct{}

func (abandonedError) Error() string {
	return "redis stopped answering while the command waited (it may have been sent)"
}
func (abandonedError) Timeout() bool   { return true }
func (abandonedError) Temporary() bool { return true }

// isNetTimeout reports a network read or dial that timed out; a context's deadline is the
// caller's, not Redis's, and does not count.
func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() && !errors.Is(err, context.DeadlineExceeded)
}

type backgroundKey struct{}

// Background marks ctx as the context of commands that wait on Redis while the Breaker is
// open: the store's own readers, whose replies are how the breaker learns Redis is back.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

func isBackground(ctx context.Context) bool {
	v, _ := ctx.Value(backgroundKey{}).(bool)
	return v
}

// watchedConn reports what a connection reads to the breaker.
type watchedConn struct {
	net.Conn
	b *Breaker
}

func (c *watchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.b.sawAnswer()
	}
	if err != nil && isNetTimeout(err) {
		c.b.sawTimeout(err)
	}
	return n, err
}

// NetConn returns the watched connection, as crypto/tls.Conn does.
func (c *watchedConn) NetConn() net.Conn { return c.Conn }

// watchedSyscallConn keeps a plain TCP connection a syscall.Conn: go-redis peeks at an idle
// connection's socket before reusing it, and only through that interface.
type watchedSyscallConn struct {
	*watchedConn
	sys syscall.Conn
}

func (c watchedSyscallConn) SyscallConn() (syscall.RawConn, error) { return c.sys.SyscallConn() }

func watchConn(conn net.Conn, b *Breaker) net.Conn {
	w := &watchedConn{Conn: conn, b: b}
	if sys, ok := conn.(syscall.Conn); ok {
		return watchedSyscallConn{watchedConn: w, sys: sys}
	}
	return w
}
