package redisserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// ReplicatedOptions describes a Sentinel deployment: one primary, Replicas replicas of it and
// Sentinels Sentinels watching them under the name Master.
type ReplicatedOptions struct {
	Master    string
	Replicas  int
	Sentinels int
	// Quorum is how many Sentinels must agree the primary is down; a majority when zero.
	Quorum int
	// DownAfter is Sentinel's down-after-milliseconds; one second when zero (production
	// commonly uses 5–30 s; tests want the failover quickly).
	DownAfter time.Duration
}

// Replicated is a running Sentinel deployment. Nodes[0] starts as the primary; after a
// failover Primary tells which node Sentinel promoted.
type Replicated struct {
	Master    string
	Nodes     []*Server
	Sentinels []*Server
}

// setupTimeout bounds the wait for replication links and for the Sentinels to discover the
// replicas and each other (they announce themselves every 2 s on the primary).
const setupTimeout = time.Minute

// StartReplicated starts the deployment and returns once every replica is in sync and every
// Sentinel knows the primary, every replica and every other Sentinel, so that a failover can
// be decided (quorum) and authorised (a majority of the Sentinels) from then on.
func StartReplicated(tb testing.TB, o ReplicatedOptions) *Replicated {
	tb.Helper()
	if o.Master == "" || o.Sentinels < 1 {
		tb.Fatalf("redisserver: replicated deployment needs a master name and a Sentinel: %+v", o)
	}
	quorum := o.Quorum
	if quorum == 0 {
		quorum = o.Sentinels/2 + 1
	}
	downAfter := o.DownAfter
	if downAfter == 0 {
		downAfter = time.Second
	}
	// A full sync starts at once instead of after the default 5 s wait for more replicas; only
	// the first sync of each replica is a full one (after a failover replicas continue with a
	// partial one).
	fast := []string{"--repl-diskless-sync-delay", "0"}
	r := &Replicated{Master: o.Master}
	primary := StartWith(tb, Options{Args: fast})
	r.Nodes = append(r.Nodes, primary)
	for range o.Replicas {
		r.Nodes = append(r.Nodes, StartWith(tb, Options{Args: append([]string{
			"--replicaof", "127.0.0.1", strconv.Itoa(primary.Port())}, fast...)}))
	}
	for range o.Sentinels {
		r.Sentinels = append(r.Sentinels, launch(tb, func(s *Server) {
			s.sentinelConf = filepath.Join(s.dir, "sentinel.conf")
			conf := fmt.Sprintf(`port %d
bind 127.0.0.1
protected-mode no
dir %s
loglevel notice
logfile ""
sentinel monitor %s 127.0.0.1 %d %d
sentinel down-after-milliseconds %s %d
sentinel failover-timeout %s 20000
sentinel parallel-syncs %s 1
`, s.port, s.dir, o.Master, primary.Port(), quorum, o.Master, downAfter.Milliseconds(), o.Master, o.Master)
			if err := os.WriteFile(s.sentinelConf, []byte(conf), 0o600); err != nil {
				tb.Fatalf("write sentinel.conf: %v", err)
			}
		}))
	}

	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := primary.WaitReplicas(ctx, o.Replicas); err != nil {
		tb.Fatalf("redisserver: %v", err)
	}
	for i, s := range r.Sentinels {
		sc := goredis.NewSentinelClient(&goredis.Options{Addr: s.Addr()})
		r.waitFor(tb, ctx, fmt.Sprintf("sentinel %d knows the primary, the replicas and the other sentinels", i), func() error {
			addr, err := sc.GetMasterAddrByName(ctx, o.Master).Result()
			if err != nil {
				return err
			}
			if net.JoinHostPort(addr[0], addr[1]) != primary.Addr() {
				return fmt.Errorf("primary %v", addr)
			}
			replicas, err := sc.Replicas(ctx, o.Master).Result()
			if err != nil {
				return err
			}
			if len(replicas) != o.Replicas {
				return fmt.Errorf("knows %d of %d replicas", len(replicas), o.Replicas)
			}
			others, err := sc.Sentinels(ctx, o.Master).Result()
			if err != nil {
				return err
			}
			if len(others) != o.Sentinels-1 {
				return fmt.Errorf("knows %d of %d other sentinels", len(others), o.Sentinels-1)
			}
			return nil
		})
		_ = sc.Close()
	}
	return r
}

// WaitReplicas waits until n replicas are online and have acknowledged everything the server
// has written so far. "Online" alone is not enough for a test that WAITs next: a replica is
// online as soon as the primary has sent the snapshot, before it has loaded it and answered.
func (s *Server) WaitReplicas(ctx context.Context, n int) error {
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr()})
	defer c.Close()
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	for {
		err := replicasInSync(ctx, c, n)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d replicas in sync with %s: %w (last: %v)", n, s.Addr(), ctx.Err(), err)
		case <-ticker.C:
		}
	}
}

// replicasInSync parses INFO replication: master_repl_offset:<o> and, per replica,
// slave<i>:ip=…,port=…,state=online,offset=<o>,lag=….
func replicasInSync(ctx context.Context, c *goredis.Client, n int) error {
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return err
	}
	var offset string
	synced := 0
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "master_repl_offset:"); ok {
			offset = v
		}
	}
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "slave") || !strings.Contains(line, "state=online") {
			continue
		}
		for _, f := range strings.Split(line, ",") {
			if v, ok := strings.CutPrefix(f, "offset="); ok && v == offset {
				synced++
			}
		}
	}
	if synced < n {
		return fmt.Errorf("%d of %d replicas online at offset %s", synced, n, offset)
	}
	return nil
}

// SentinelAddrs are the host:port of every Sentinel.
func (r *Replicated) SentinelAddrs() []string {
	out := make([]string, len(r.Sentinels))
	for i, s := range r.Sentinels {
		out[i] = s.Addr()
	}
	return out
}

// Primary asks the Sentinels (the first one that answers) which node is the primary.
func (r *Replicated) Primary(ctx context.Context) (*Server, error) {
	var last error
	for _, s := range r.Sentinels {
		if !s.Running() {
			continue
		}
		sc := goredis.NewSentinelClient(&goredis.Options{Addr: s.Addr()})
		addr, err := sc.GetMasterAddrByName(ctx, r.Master).Result()
		_ = sc.Close()
		if err != nil {
			last = err
			continue
		}
		for _, n := range r.Nodes {
			if n.Addr() == net.JoinHostPort(addr[0], addr[1]) {
				return n, nil
			}
		}
		return nil, fmt.Errorf("sentinel %s names primary %v, which is none of the nodes", s.Addr(), addr)
	}
	return nil, fmt.Errorf("no sentinel answers: %v", last)
}

func (r *Replicated) waitFor(tb testing.TB, ctx context.Context, what string, cond func() error) {
	tb.Helper()
	ticker := time.NewTicker(50 * time.Millisecond)
	defer ticker.Stop()
	for {
		err := cond()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("redisserver: %s: not true after %s: %v", what, setupTimeout, err)
		case <-ticker.C:
		}
	}
}
