package o2rest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// apiFunc is one O2 operation. It returns the answer or the problem and never writes to the
// connection itself: respond writes either, so every response of the O2 face, success or
// ProblemDetails, leaves through one function (the shape of prometheus web/api/v1's apiFunc).
type apiFunc func(r *http.Request) (*answer, *problem)

// answer is a successful response.
type answer struct {
	status int
	header map[string]string
	// doc is encoded with encoding/json unless raw or items is set.
	doc any
	// raw is an already encoded JSON document.
	raw []byte
	// items, when array is set, are already encoded documents sent as one JSON array.
	items [][]byte
	array bool
	// noBody answers with the status only (a DELETE's 200).
	noBody bool
}

func okJSON(doc any) *answer { return &answer{status: http.StatusOK, doc: doc} }

// setHeader adds a response header to a.
func (a *answer) setHeader(k, v string) *answer {
	if a.header == nil {
		a.header = map[string]string{}
	}
	a.header[k] = v
	return a
}

// problem is an O2 error: application/problem+json with status, detail and attributes.
type problem struct {
	status int
	detail string
	attrs  map[string]string
	header map[string]string
}

func newProblem(status int, detail string) *problem { return &problem{status: status, detail: detail} }

func (p *problem) Error() string { return p.detail }

// attr adds an additional attribute (the id that was not found, the parameter at fault).
func (p *problem) attr(k, v string) *problem {
	if p.attrs == nil {
		p.attrs = map[string]string{}
	}
	p.attrs[k] = v
	return p
}

// setHeader adds a response header (Allow, Retry-After, WWW-Authenticate).
func (p *problem) setHeader(k, v string) *problem {
	if p.header == nil {
		p.header = map[string]string{}
	}
	p.header[k] = v
	return p
}

// internalProblem logs err with what failed and answers 500 without the error's text: it may
// name internals (addresses, keys) no SMO needs to see.
func internalProblem(err error, what string, kv ...any) *problem {
	klog.ErrorS(err, "O2 request failed", append([]any{"op", what}, kv...)...)
	return newProblem(http.StatusInternalServerError, "could not "+what)
}

// authorizerProblem answers a request the authorizer failed on. When it could not decide (its
// SubjectAccessReview could not be made: the cluster's API server unreachable, failing or
// throttling; tenancy.Unavailable) that is 503 with Retry-After, as for a store that cannot be
// read, not a 500 that reads as netweave's fault and that clients do not retry; any other
// failure is a 500. The error is logged, not shown.
func authorizerProblem(err error) *problem {
	if !tenancy.Unavailable(err) {
		return internalProblem(err, "authorize the request")
	}
	klog.ErrorS(err, "O2 request failed", "op", "authorize the request")
	return newProblem(http.StatusServiceUnavailable, "the request cannot be authorized now (the cluster's authorization is unreachable); retry").
		setHeader("Retry-After", "1")
}

// queryProblem is the 400 for a query the server will not read. The detail and the "parameter"
// attribute name the parameter at fault, so an SMO can tell which one to fix; param is used when
// err itself names none.
func queryProblem(param string, err error) *problem {
	if p := query.ParamOf(err); p != "" {
		param = p
	}
	pr := newProblem(http.StatusBadRequest, err.Error())
	if param != "" {
		pr.attr("parameter", param)
	}
	return pr
}

// cancelledProblem answers a request abandoned half-way: the client has gone or the serving
// chain's deadline has passed, so the status is mostly for logs and metrics.
func cancelledProblem(err error) *problem {
	klog.V(3).InfoS("O2 request abandoned", "err", err)
	status := http.StatusServiceUnavailable
	if errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusGatewayTimeout
	}
	return newProblem(status, "the request was abandoned before it completed: "+err.Error())
}

// respond writes a or p: the one place the O2 face writes a response.
func respond(w http.ResponseWriter, a *answer, p *problem) { responder{}.respond(w, a, p) }

// responder writes answers and problems; bufs, when set, recycles the buffers JSON arrays are
// written through (a route's handler has one; the few responses written outside a route, such
// as a 404 or a 503 before the caches sync, have no arrays to write).
type responder struct {
	bufs *chunkBuffers
}

func (rs responder) respond(w http.ResponseWriter, a *answer, p *problem) {
	if p != nil {
		writeProblemDetails(w, p)
		return
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	if a.noBody {
		w.WriteHeader(a.status)
		return
	}
	if a.array {
		rs.writeArray(w, a.status, a.items)
		return
	}
	buf := a.raw
	if buf == nil {
		var err error
		if buf, err = json.Marshal(a.doc); err != nil {
			writeProblemDetails(w, internalProblem(err, "encode the response"))
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	if _, err := w.Write(buf); err != nil {
		klog.V(3).InfoS("write O2 response", "err", err)
	}
}

// arrayChunk is how much of a JSON array is handed to the connection at a time: enough for TLS
// to write whole 16 KiB records, while a list of any length costs one recycled buffer instead
// of a copy of the whole response (a list of 500 Resources is ~180 kB; copied per request,
// those bytes drove the garbage collector more than anything else in the list).
const arrayChunk = 64 << 10

// writeArray writes the JSON array of already encoded documents, the bytes json.Marshal would
// produce for the array of the documents, with its Content-Length, arrayChunk bytes at a time.
func (rs responder) writeArray(w http.ResponseWriter, status int, items [][]byte) {
	n := 2 + max(len(items)-1, 0)
	for _, it := range items {
		n += len(it)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(n))
	w.WriteHeader(status)
	buf := rs.bufs.get()
	defer rs.bufs.put(buf)
	b := (*buf)[:0]
	// emit appends p, sending every chunk it fills; len(b) <= arrayChunk throughout.
	emit := func(p []byte) error {
		for len(b)+len(p) > arrayChunk {
			k := arrayChunk - len(b)
			b = append(b, p[:k]...)
			if _, err := w.Write(b); err != nil {
				return err
			}
			b, p = b[:0], p[k:]
		}
		b = append(b, p...)
		return nil
	}
	err := emit([]byte{'['})
	for i, it := range items {
		if err == nil && i > 0 {
			err = emit([]byte{','})
		}
		if err == nil {
			err = emit(it)
		}
	}
	if err == nil {
		err = emit([]byte{']'})
	}
	if err == nil {
		_, err = w.Write(b)
	}
	if err != nil {
		klog.V(3).InfoS("write O2 response", "err", err)
	}
	*buf = b
}

// chunkBuffers recycles the arrayChunk buffers arrays are written through; a nil one allocates
// a buffer per array.
type chunkBuffers struct {
	pool sync.Pool
}

func (c *chunkBuffers) get() *[]byte {
	if c != nil {
		if b, ok := c.pool.Get().(*[]byte); ok {
			return b
		}
	}
	b := make([]byte, 0, arrayChunk)
	return &b
}

func (c *chunkBuffers) put(b *[]byte) {
	if c != nil {
		c.pool.Put(b)
	}
}

func writeProblemDetails(w http.ResponseWriter, p *problem) {
	pd := model.NewProblemDetails(p.status, p.detail)
	pd.AdditionalAttributes = p.attrs
	buf, err := json.Marshal(pd)
	if err != nil {
		klog.ErrorS(err, "encode problem details")
		buf = []byte(`{"status":500,"detail":"internal error"}`)
	}
	for k, v := range p.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", model.ProblemContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.status)
	if _, err := w.Write(buf); err != nil {
		klog.V(3).InfoS("write problem details", "err", err)
	}
}
