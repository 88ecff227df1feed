package members

import (
	"testing"
)

// TestConnectRateLimit: a member's clients are rate limited as netweave is configured, not as
// the member's kubeconfig (which cannot carry a rate) would leave them: client-go's defaults.
func TestConnectRateLimit(t *testing.T) {
	kubeconfig := []byte(`apiVersion: v1
kind: Config
clusters: [{name: m, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: m, user: {token: x}}]
contexts: [{name: m, context: {cluster: m, user: m}}]
current-context: m
`)
	for _, tc := range []struct {
		qps   float32
		burst int
		want  float32
	}{{qps: 7, burst: 3, want: 7}, {want: 5}} {
		c, err := NewConnect(tc.qps, tc.burst)(kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Kube.CoreV1().RESTClient().GetRateLimiter().QPS(); got != tc.want {
			t.Errorf("qps %v burst %d: client QPS %v, want %v", tc.qps, tc.burst, got, tc.want)
		}
	}
}
