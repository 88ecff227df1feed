package notify

import (
	"testing"
	"time"
)

func TestSign(t *testing.T) {
	// RFC 4231 test case 2.
	got := Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if !VerifySignature([]byte("Jefe"), []byte("what do ya want for nothing?"), want) {
		t.Error("valid signature refused")
	}
	if VerifySignature([]byte("Jefe"), []byte("what do ya want for nothing!"), want) {
		t.Error("signature of another body accepted")
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second}
	for failures, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 5: 1600 * time.Millisecond, 6: 2 * time.Second, 50: 2 * time.Second} {
		if got := b.Delay(failures, func() float64 { return 0.999999999 }); got > want || got < want*99/100 {
			t.Errorf("Delay(%d) at the top of the jitter = %v, want about %v", failures, got, want)
		}
		if got := b.Delay(failures, func() float64 { return 0 }); got != want/10 {
			t.Errorf("Delay(%d) at the bottom of the jitter = %v, want %v", failures, got, want/10)
		}
	}
	if b.Delay(0, nil) != 0 {
		t.Error("no failure, yet a wait")
	}
}
