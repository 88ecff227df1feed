package o2rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// WithProblemDetails wraps the API server's handler chain around the O2 handler so that the
// chain's own refusals (401 from authentication, 429 from priority and fairness, 504 from the
// request timeout), which it writes as Kubernetes Status objects, reach an SMO as
// application/problem+json like every other O2 error. A panic is not among them: panic
// recovery panics again once it has logged and audited the 500 (apimachinery's ReallyCrash),
// and net/http then closes the connection or resets the stream.
func WithProblemDetails(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pw := &problemWriter{ResponseWriter: w}
		next.ServeHTTP(pw, r)
		pw.finish()
	})
}

// problemWriter passes everything through except an error response that is not already
// problem+json: that one it buffers (Status bodies are small) and rewrites when done.
type problemWriter struct {
	http.ResponseWriter
	status   int
	buffered bool
	buf      bytes.Buffer
}

func (p *problemWriter) WriteHeader(code int) {
	if p.status != 0 {
		return
	}
	p.status = code
	ct := p.Header().Get("Content-Type")
	if code >= 400 && !strings.HasPrefix(ct, model.ProblemContentType) {
		p.buffered = true
		return
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *problemWriter) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.WriteHeader(http.StatusOK)
	}
	if p.buffered {
		if p.buf.Len() > 64<<10 {
			return 0, errors.New("error body too large")
		}
		return p.buf.Write(b)
	}
	return p.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (p *problemWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

func (p *problemWriter) finish() {
	if !p.buffered {
		return
	}
	detail := http.StatusText(p.status)
	var st metav1.Status
	if err := json.Unmarshal(p.buf.Bytes(), &st); err == nil && st.Message != "" {
		detail = st.Message
	} else if s := strings.TrimSpace(p.buf.String()); s != "" && len(s) < 512 && !strings.HasPrefix(s, "{") {
		detail = s
	}
	h := p.ResponseWriter.Header()
	h.Del("Content-Length")
	respond(p.ResponseWriter, nil, newProblem(p.status, detail))
}
