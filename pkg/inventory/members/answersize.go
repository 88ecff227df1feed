package members

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MaxAnswer bounds the body of every answer from a member's API server but a watch's: a Node
// list of some thousand Nodes is tens of MiB.
const MaxAnswer = 256 << 20

// BoundAnswers wraps the transport of a client of a member (rest.Config.Wrap) so that no
// answer but a watch's is read past MaxAnswer bytes. client-go reads an answer whole into
// memory, and a tenant's member may be a server the tenant runs (it chooses its Cluster's
// control plane endpoint): one that answered a list with gigabytes would take netweave's
// memory. A watch's events are bounded one by one where the client asks for protobuf (the
// streaming decoder's 16 MiB per frame), see connect.
func BoundAnswers(rt http.RoundTripper) http.RoundTripper {
	return sizeBounded{next: rt, max: MaxAnswer}
}

type sizeBounded struct {
	next http.RoundTripper
	max  int64
}

func (s sizeBounded) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	contentType := resp.Header.Get("Content-Type")
	if unreadMediaType(contentType) {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("the member's API server answered %q, which netweave does not ask for", contentType)
	}
	if isProtobuf(contentType) && !strings.Contains(req.Header.Get("Accept"), protobufMediaType) {
		// Decoded, a protobuf answer may be a thousand times its bytes (jsonbound.go): it is
		// read only where asked for, never from a tenant's member (JSONOnly).
		_ = resp.Body.Close()
		return nil, fmt.Errorf("the member's API server answered %q, which netweave did not ask for", contentType)
	}
	if isWatch(req) {
		// A protobuf watch's frames are bounded by client-go; a JSON watch's events are read
		// whole before they are decoded (jsonbound.go).
		if decodedAsJSON(contentType) {
			resp.Body = &jsonBounded{ReadCloser: resp.Body, maxCost: MaxWatchEventCost, maxBytes: MaxWatchEventBytes, perValue: true}
		}
		return resp, nil
	}
	if resp.ContentLength > s.max {
		_ = resp.Body.Close()
		return nil, answerTooLarge(s.max)
	}
	resp.Body = &sizeBoundedBody{ReadCloser: resp.Body, left: s.max, max: s.max}
	if decodedAsJSON(contentType) {
		resp.Body = &jsonBounded{ReadCloser: resp.Body, maxCost: MaxAnswerCost}
	}
	return resp, nil
}

// WrappedRoundTripper lets client-go see the transport beneath.
func (s sizeBounded) WrappedRoundTripper() http.RoundTripper { return s.next }

func answerTooLarge(max int64) error {
	return fmt.Errorf("the member's API server answered more than %d bytes", max)
}

// sizeBoundedBody fails a read once more than max bytes have come.
type sizeBoundedBody struct {
	io.ReadCloser
	left, max int64
}

func (b *sizeBoundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// max bytes read: one more is too many, the end is not.
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, answerTooLarge(b.max)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
