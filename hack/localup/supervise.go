package main

import (
	"context"
	"fmt"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

// Redis is started again when it exits, as a Pod's container is, so that killing it shows
// what docs/redis.md promises: it comes back on its append-only file with every acknowledged
// write, and netweave answers again by itself. Any other component exiting ends make run, with
// its log's tail. A Redis that keeps exiting (crashLoopRestarts within crashLoopWindow) ends it
// too.
const (
	crashLoopRestarts = 3
	crashLoopWindow   = time.Minute
)

// supervise waits until ctx ends (nil) or a component exits for good (an error saying which).
func supervise(ctx context.Context, up *running, timeout time.Duration) error {
	procs := up.processes()
	exits := make(chan *localstack.Process, len(procs))
	watch := func(p *localstack.Process) {
		done := p.Exited() // this run's: read before the goroutine, so a restart cannot race it
		go func() {
			select {
			case <-done:
				exits <- p
			case <-ctx.Done():
			}
		}()
	}
	for _, p := range procs {
		watch(p)
	}
	var restarts []time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case p := <-exits:
			if p != up.redis {
				return exitedError(p)
			}
			restarts = recent(append(restarts, time.Now()), crashLoopWindow)
			if len(restarts) > crashLoopRestarts {
				return fmt.Errorf("redis-server exited %d times within %s, not started again: %w", len(restarts), crashLoopWindow, exitedError(p))
			}
			fmt.Printf("\nlocalup: redis-server exited (%v); starting it again on %s from its append-only file, as a Pod's restartPolicy would …\n",
				p.ExitError(), up.redisAddr)
			if err := p.Start(); err != nil {
				return err
			}
			if err := localstack.WaitForRedis(ctx, up.redisAddr, p, timeout); err != nil {
				if ctx.Err() != nil {
					return nil // Ctrl-C while it started
				}
				return err
			}
			fmt.Printf("localup: redis-server is back (pid %d); netweave reconnects by itself\n", p.Pid())
			watch(p)
		}
	}
}

// recent keeps the times within window of the last one.
func recent(ts []time.Time, window time.Duration) []time.Time {
	last := ts[len(ts)-1]
	i := 0
	for i < len(ts) && last.Sub(ts[i]) > window {
		i++
	}
	return ts[i:]
}

func exitedError(p *localstack.Process) error {
	return fmt.Errorf("%s exited unexpectedly (%v); last log lines from %s:\n%s",
		p.Name(), p.ExitError(), p.LogPath(), p.LogTail(30))
}
