package main

import (
	"fmt"
	"path/filepath"

	"github.com/netweave-io/netweave/internal/localstack"
)

// printRedisFaults shows Redis killed and started again on its data (as a Pod restart would),
// what both faces do while Redis cannot be read (docs/redis.md, "While
// Redis cannot be read"): Redis frozen as a partition or a stalled host would leave it, the O2
// face refuses with 503 instead of answering from informers that no longer follow the store,
// the Kubernetes face refuses at once instead of waiting out Redis's timeouts (the breaker),
// /readyz says why, and both answer again as soon as Redis does; and what both faces answer while
// Redis is full (docs/redis.md, "When Redis is full"), or refuses netweave's credentials
// ("Rotating Redis credentials").
func printRedisFaults(r *running) {
	o2 := fmt.Sprintf("https://127.0.0.1:%d", r.o2Port)
	fmt.Printf(`
Redis killed (docs/redis.md, "What Redis must be"): make run starts it again on its append-only file, as a Pod
would be; every acknowledged write is back, netweave reconnects by itself, watches open across it go on (nothing
lists again), and the restart is not taken for lost data:
  kubectl get resources,resourcepools,locations,inventorysubscriptions -A --no-headers | wc -l
  kubectl get resources -n o2ims-system -w --output-watch-events --watch-only &   # a watch open across the restart
  kill -9 $(cat %[1]s)      # make run prints "redis-server is back"
  kubectl get resources,resourcepools,locations,inventorysubscriptions -A --no-headers | wc -l   # the same count
  kubectl cordon edge-a-worker-1 && kubectl wait resource edge-a-worker-1 -n o2ims-system --for=jsonpath='{.status.adminState}'=LOCKED   # condition met: the sync wrote it
  kill %%1    # the watch printed MODIFIED edge-a-worker-1: it went on across the restart
  curl -s --cacert %[2]s -H "Authorization: Bearer $TOKEN" https://127.0.0.1:%[4]d/metrics | grep '^netweave_redis_storage_resets_total' | awk '{n+=$2} END {print n}'   # 0 (a wipe, FLUSHALL, counts reason="epoch")

Redis gone back while no netweave ran (docs/redis.md, "The watermark"): everything in Redis that tells a rollback
goes back with the data, so netweave also records the newest revision it saw in a Lease of the cluster, every 2 s;
a netweave that starts after such a rollback begins from it, notices, and tells clients of the lost history to relist:
  kubectl -n o2ims-system get lease netweave-store-watermark -o jsonpath='{.metadata.annotations}'; echo   # epoch, revision, revision-id
  curl -s --cacert %[2]s -H "Authorization: Bearer $TOKEN" https://127.0.0.1:%[4]d/metrics | grep '^netweave_redis_watermark_records_total'

Redis hung (docs/redis.md, "While Redis cannot be read"): freeze it as a partition would; within about 6 s
both faces refuse at once (503) rather than answer stale or wait on Redis, and answer again as soon as it resumes:
  kill -STOP $(cat %[1]s); sleep 8      # redis-server
  curl -s -i --cacert %[2]s -H "Authorization: Bearer $TOKEN" %[3]s/o2ims-infrastructureInventory/v1/resourcePools | grep -iE '^HTTP|^retry-after|title'   # 503, retry-after: 1
  curl -s --cacert %[2]s -H "Authorization: Bearer $TOKEN" 'https://127.0.0.1:%[4]d/readyz?verbose' | grep -E 'redis|o2ims'   # [-]redis, [-]o2ims-rest
  kubectl get resources -n o2ims-system    # ServiceUnavailable: ... redis is not answering (after kubectl's own ten retries, ~10 s)
  curl -s --cacert %[2]s -H "Authorization: Bearer $TOKEN" https://127.0.0.1:%[4]d/metrics | grep -E '^netweave_redis_(answering|refused)'   # answering 0
  kill -CONT $(cat %[1]s); sleep 2
  curl -s -o /dev/null -w '%%{http_code}\n' --cacert %[2]s -H "Authorization: Bearer $TOKEN" %[3]s/o2ims-infrastructureInventory/v1/resourcePools   # 200

Redis full (docs/redis.md, "When Redis is full"): at its maxmemory, Redis refuses every write (noeviction keeps
every key); both faces answer 507 with nothing written, reads go on, and writes succeed once Redis has room:
  redis-cli -u redis://%[5]s CONFIG SET maxmemory 1
  echo '{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"ResourcePool","metadata":{"name":"when-full"},"spec":{"name":"when-full"}}' | kubectl create -n o2ims-system -f -   # (InsufficientStorage) ... Nothing was written
  curl -s -w ' %%{http_code}\n' --cacert %[2]s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"callback":"https://smo.example.net/full"}' %[3]s/o2ims-infrastructureInventory/v1/subscriptions   # 507
  kubectl get resourcepools -n o2ims-system    # reads are served
  curl -s --cacert %[2]s -H "Authorization: Bearer $TOKEN" https://127.0.0.1:%[4]d/metrics | grep '^netweave_redis_storage_rejected_total{reason="full"}'
  redis-cli -u redis://%[5]s CONFIG SET maxmemory 0

Redis credentials (docs/redis.md, "Rotating Redis credentials"): Redis given a password netweave does not have;
the connections it opens afterwards are refused, both faces answer 503 with nothing written, /readyz says why,
and all is well again once they agree (netweave reads --redis-password-file again for every new connection):
  redis-cli -u redis://%[5]s CONFIG SET requirepass rotated
  redis-cli -u redis://default:rotated@%[5]s CLIENT KILL TYPE normal    # as a Redis restart or failover would
  kubectl get resourcepools -n o2ims-system    # ServiceUnavailable: Redis refuses the unauthenticated connection (NOAUTH, or a protocol error), netweave says the password is not accepted (after kubectl's ten retries, ~10 s)
  curl -s --cacert %[2]s -H "Authorization: Bearer $TOKEN" 'https://127.0.0.1:%[4]d/readyz?verbose' | grep '\[-\]redis '   # [-]redis failed
  curl -s --cacert %[2]s -H "Authorization: Bearer $TOKEN" https://127.0.0.1:%[4]d/metrics | grep '^netweave_redis_storage_rejected_total{reason="auth"}'
  redis-cli -u redis://default:rotated@%[5]s CONFIG SET requirepass ''
`, localstack.RedisPidFile(filepath.Dir(r.redis.LogPath())), r.caFile, o2, r.netweavePort, r.redisAddr)
}
