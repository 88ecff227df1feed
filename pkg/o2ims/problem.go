package o2ims

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/o2ims/model"
	"github.com/netweave-io/netweave/pkg/o2ims/query"
)

// writeProblem answers with application/problem+json; every O2 error goes through here.
func writeProblem(w http.ResponseWriter, status int, detail string, attrs map[string]string) {
	p := model.NewProblemDetails(status, detail)
	p.AdditionalAttributes = attrs
	buf, err := json.Marshal(p)
	if err != nil {
		klog.ErrorS(err, "encode problem details")
		buf = []byte(`{"status":500,"detail":"internal error"}`)
	}
	w.Header().Set("Content-Type", model.ProblemContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if _, err := w.Write(buf); err != nil {
		klog.V(3).InfoS("write problem details", "err", err)
	}
}

// writeQueryProblem answers 400 for a query the server will not read. The detail and the
// "parameter" attribute name the parameter at fault, so an SMO can tell which one to fix;
// param is used when err itself names none.
func writeQueryProblem(w http.ResponseWriter, param string, err error) {
	if p := query.ParamOf(err); p != "" {
		param = p
	}
	var attrs map[string]string
	if param != "" {
		attrs = map[string]string{"parameter": param}
	}
	writeProblem(w, http.StatusBadRequest, err.Error(), attrs)
}

// writeCancelled answers a request abandoned half-way: the client has gone or the serving
// chain's deadline has passed, so the status is mostly for logs and metrics.
func writeCancelled(w http.ResponseWriter, err error) {
	klog.V(3).InfoS("O2 request abandoned", "err", err)
	status := http.StatusServiceUnavailable
	if errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusGatewayTimeout
	}
	writeProblem(w, status, "the request was abandoned before it completed: "+err.Error(), nil)
}

// writeJSON answers with a JSON document.
func writeJSON(w http.ResponseWriter, status int, doc any) {
	buf, err := json.Marshal(doc)
	if err != nil {
		klog.ErrorS(err, "encode O2 response")
		writeProblem(w, http.StatusInternalServerError, "could not encode the response", nil)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if _, err := w.Write(buf); err != nil {
		klog.V(3).InfoS("write O2 response", "err", err)
	}
}

// writeRawJSON answers with an already encoded JSON document.
func writeRawJSON(w http.ResponseWriter, status int, buf []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if _, err := w.Write(buf); err != nil {
		klog.V(3).InfoS("write O2 response", "err", err)
	}
}

// writeJSONArray answers with a JSON array of already encoded documents: the bytes
// json.Marshal would produce for the array of the documents.
func writeJSONArray(w http.ResponseWriter, status int, items [][]byte) {
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
	buf = append(buf, ']')
	writeRawJSON(w, status, buf)
}
