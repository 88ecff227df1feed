package main

import "fmt"

// printStalledSMO shows the O2 listener's bound on a client that stops sending (or reading) in
// the middle of a request (docs/o2ims.md, "The serving chain"): it is cut off soon after
// --request-timeout, and holds nothing of netweave's after that.
func printStalledSMO(r *running) {
	fmt.Printf(`
A stalled SMO (docs/o2ims.md, "The serving chain"): a request whose body stops coming is answered 400 at
--request-timeout (60 s) and a tenth more, and one whose answer is never read is cut off a tenth after that;
neither holds a handler, API Priority and Fairness seat or buffer past it (before, for as long as the connection lived):
  date +%%T; (printf "POST /o2ims-infrastructureInventory/v1/subscriptions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer $TOKEN\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"; sleep 80) | openssl s_client -quiet -connect 127.0.0.1:%d 2>/dev/null | while read -r l; do echo "$(date +%%T) $l"; done | grep -m1 HTTP   # 66 s later: HTTP/1.1 400 Bad Request
`, r.o2Port)
}
