package netclass

import "testing"

// handshakeTimeout is the shape of net/http's "TLS handshake timeout" error.
type handshakeTimeout struct{}

func (handshakeTimeout) Error() string   { return "net/http: TLS handshake timeout" }
func (handshakeTimeout) Timeout() bool   { return true }
func (handshakeTimeout) Temporary() bool { return true }

// TestHandshakeTimeoutIsATimeout: a peer that never answers the TLS handshake was classed a
// TLS failure when the transport's handshake deadline fired before the request's, and a
// timeout otherwise (TestCallbackSlowToAnswerBoundedByTimeout failed one run in three). It
// is a timeout.
func TestHandshakeTimeoutIsATimeout(t *testing.T) {
	if TLS(handshakeTimeout{}) {
		t.Error("a TLS handshake timeout is classed a TLS failure")
	}
	if !Timeout(handshakeTimeout{}) {
		t.Error("a TLS handshake timeout is not classed a timeout")
	}
}
