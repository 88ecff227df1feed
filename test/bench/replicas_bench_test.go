package bench

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/test/bench/load"
)

// replicaCount is how many netweave replicas BenchmarkReplicasO2 spreads the load over.
const replicaCount = 3

// BenchmarkReplicasO2 measures O2 GET-by-id throughput across three replicas behind one address
// (a client-side round robin over their O2 listeners, as a Service would spread connections)
// against one replica, on the same seeded inventory of 10,000 Resources, in the same run. The
// extra replicas serve reads only (no sync, no notifier), as a chart install's non-leaders do.
func BenchmarkReplicasO2(b *testing.B) {
	// One page holds the whole list, so waiting for every replica to serve all is one request.
	pageSize := "--o2ims-page-size=" + strconv.Itoa(numResources)
	s := startStack(b, pageSize)
	inv := seed(b, s)
	token := s.cp.RESTConfig(localstack.Admin).BearerToken
	poolResources := inventoryV1 + "/resourcePools/" + inv.pool + "/resources"
	waitForO2(b, s, token, poolResources, numResources, 5*time.Minute)

	bases := []string{s.o2Base()}
	for i := 1; i < replicaCount; i++ {
		base := s.startReplica(b, fmt.Sprintf("netweave-replica-%d", i), s.bin, nil, pageSize)
		waitForO2At(b, s, base, token, poolResources, numResources, 5*time.Minute)
		bases = append(bases, base)
	}

	paths := make([]string, len(inv.resources))
	for i, id := range inv.resources {
		paths[i] = poolResources + "/" + id
	}
	for _, conc := range []int{8, 50} {
		for _, target := range []struct {
			name  string
			bases []string
		}{{"1-replica", bases[:1]}, {fmt.Sprintf("%d-replicas", replicaCount), bases}} {
			client := load.NewClient(s.tlsConfig(b), conc, false, time.Minute)
			cfg := load.Config{Bases: target.bases, Paths: paths, Concurrency: conc, Token: token, Seed: 1}
			warm := cfg
			warm.Requests = 2000
			if res, err := client.Run(context.Background(), warm); err != nil || res.Errors > 0 {
				b.Fatalf("warm-up: %v %v %s", err, res.Statuses, res.FirstError)
			}
			b.Run(fmt.Sprintf("get-resource/c=%d/%s", conc, target.name), func(b *testing.B) { runLoad(b, client, cfg) })
			client.Close()
		}
	}
}
