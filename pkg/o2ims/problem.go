package o2ims

import (
	"encoding/json"
	"net/http"

	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/o2ims/model"
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
