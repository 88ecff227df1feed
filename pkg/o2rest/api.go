package o2rest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
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
func respond(w http.ResponseWriter, a *answer, p *problem) {
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
	buf := a.raw
	switch {
	case a.array:
		buf = jsonArray(a.items)
	case buf == nil:
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

// jsonArray is the JSON array of already encoded documents: the bytes json.Marshal would
// produce for the array of the documents.
func jsonArray(items [][]byte) []byte {
	n := 2 + len(items)
	for _, it := range items {
		n += len(it)
	}
	buf := make([]byte, 0, n)
	buf = append(buf, '[')
	for i, it := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, it...)
	}
	return append(buf, ']')
}
