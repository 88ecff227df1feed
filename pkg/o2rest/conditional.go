package o2rest

import (
	"context"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// An O2 object's ETag is its resourceVersion: If-Match then means exactly what the API
// server's update precondition means, and the server, not the translator, decides it.

func etag(obj metav1.Object) string { return `"` + obj.GetResourceVersion() + `"` }

// ifMatchHeader is the request's If-Match list: a list may be sent as several field lines,
// which mean the same as one line joining them with commas (RFC 9110 5.3), so every line
// counts, not only the first ("" when none).
func ifMatchHeader(r *http.Request) string {
	return strings.Join(r.Header.Values("If-Match"), ",")
}

// etagMatches reports whether the If-Match header value names version rv ("*" names any).
// Unquoted tags are accepted too: some clients strip the quotes of the ETag they were sent.
func etagMatches(ifMatch, rv string) bool {
	for _, tag := range strings.Split(ifMatch, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || tag == `"`+rv+`"` || tag == rv {
			return true
		}
	}
	return false
}

// ifMatchAny reports whether the If-Match header value is "*" (any current version).
func ifMatchAny(ifMatch string) bool {
	for _, tag := range strings.Split(ifMatch, ",") {
		if strings.TrimSpace(tag) == "*" {
			return true
		}
	}
	return false
}

func preconditionProblem() *problem {
	return newProblem(http.StatusPreconditionFailed, "the object has changed since the version If-Match names; read it again")
}

// conditionalWrite is a read-modify-write of one object, made as the caller with the version
// it was computed from as the update's precondition.
type conditionalWrite[T metav1.Object] struct {
	// ifMatch is the request's If-Match ("" when none).
	ifMatch string
	// fresh reads the object from the API: the translator's cache may lag behind the version a
	// client has already seen, and a lost race needs the current version.
	fresh func(ctx context.Context) (T, error)
	// change returns the object to write, or the problem that refuses the change.
	change func(cur T) (T, *problem)
	write  func(ctx context.Context, obj T) (T, error)
	// problem maps a refusal of the API (apiProblem when nil).
	problem func(err error, what string) *problem
}

// run writes the change of cur. When the object changed meanwhile, a client that named the
// version it read (If-Match other than "*") gets 412; otherwise the change is computed once
// more on the current version, and a second lost race is a 409.
func (w *conditionalWrite[T]) run(ctx context.Context, cur T, what string) (T, *problem) {
	var zero T
	toProblem := w.problem
	if toProblem == nil {
		toProblem = apiProblem
	}
	// "*" names whatever version is current: losing a race to another writer fails no
	// precondition, so such a write is retried like one without If-Match.
	pinned := w.ifMatch != "" && !ifMatchAny(w.ifMatch)
	if pinned && !etagMatches(w.ifMatch, cur.GetResourceVersion()) {
		f, err := w.fresh(ctx)
		if err != nil {
			return zero, toProblem(err, what)
		}
		if !etagMatches(w.ifMatch, f.GetResourceVersion()) {
			return zero, preconditionProblem()
		}
		cur = f
	}
	for retried := false; ; retried = true {
		next, p := w.change(cur)
		if p != nil {
			return zero, p
		}
		out, err := w.write(ctx, next)
		switch {
		case err == nil:
			return out, nil
		case !apierrors.IsConflict(err):
			return zero, toProblem(err, what)
		case pinned:
			return zero, preconditionProblem()
		case retried:
			return zero, newProblem(http.StatusConflict, "the object keeps changing; try again")
		}
		if cur, err = w.fresh(ctx); err != nil {
			return zero, toProblem(err, what)
		}
	}
}
