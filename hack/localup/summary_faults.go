package main

import "fmt"

// printRedisFaults shows what both faces do while Redis cannot be read (docs/redis.md, "While
// Redis cannot be read"): Redis frozen as a partition or a stalled host would leave it, the O2
// face refuses with 503 instead of answering from informers that no longer follow the store,
// the Kubernetes face refuses at once instead of waiting out Redis's timeouts (the breaker),
// /readyz says why, and both answer again as soon as Redis does.
func printRedisFaults(r *running) {
	o2 := fmt.Sprintf("https://127.0.0.1:%d", r.o2Port)
	fmt.Printf(`
Redis hung (docs/redis.md, "While Redis cannot be read"): freeze it as a partition would; within about 6 s
both faces refuse at once (503) rather than answer stale or wait on Redis, and answer again as soon as it resumes:
  kill -STOP %[1]d; sleep 8      # redis-server
  curl -s -i --cacert %[2]s -H "Authorization: Bearer $TOKEN" %[3]s/o2ims-infrastructureInventory/v1/resourcePools | grep -iE '^HTTP|^retry-after|title'   # 503, retry-after: 1
  curl -s --cacert %[2]s -H "Authorization: Bearer $TOKEN" 'https://127.0.0.1:%[4]d/readyz?verbose' | grep -E 'redis|o2ims'   # [-]redis, [-]o2ims-rest
  kubectl get resources -n o2ims-system    # ServiceUnavailable: ... redis is not answering (after kubectl's own ten retries, ~10 s)
  curl -s --cacert %[2]s -H "Authorization: Bearer $TOKEN" https://127.0.0.1:%[4]d/metrics | grep -E '^netweave_redis_(answering|refused)'   # answering 0
  kill -CONT %[1]d; sleep 1
  curl -s -o /dev/null -w '%%{http_code}\n' --cacert %[2]s -H "Authorization: Bearer $TOKEN" %[3]s/o2ims-infrastructureInventory/v1/resourcePools   # 200
`, r.redis.Pid(), r.caFile, o2, r.netweavePort)
}
