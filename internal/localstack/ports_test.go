package localstack

import "testing"

// TestFreePortNeverRepeats: the kernel hands a closed probe's port out again (often within a
// few hundred probes), and a stack given one port twice cannot start both listeners.
func TestFreePortNeverRepeats(t *testing.T) {
	seen := map[int]bool{}
	for range 500 {
		port, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if seen[port] {
			t.Fatalf("port %d handed out twice", port)
		}
		seen[port] = true
	}
}
