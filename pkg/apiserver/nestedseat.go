package apiserver

import (
	"context"
	"crypto/subtle"
	"net/http"

	authenticationv1 "k8s.io/api/authentication/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	genericapiserver "k8s.io/apiserver/pkg/server"
	utilflowcontrol "k8s.io/apiserver/pkg/util/flowcontrol"
	fq "k8s.io/apiserver/pkg/util/flowcontrol/fairqueuing"
	fcrequest "k8s.io/apiserver/pkg/util/flowcontrol/request"
)

// An O2 write (a subscription POST or DELETE, an alarm acknowledgement, a provisioning or
// deployment request) is served in two hops: the O2 chain admits it through API Priority and
// Fairness as its caller, then its handler makes the Kubernetes-API write as that caller
// (impersonated, over the loopback connection), so that RBAC, admission and audit judge the
// caller. That inner request is classified by the same FlowSchemas into the same priority
// level. With as many O2 writes in flight as the level has seats, every seat was held by a
// request waiting for an inner write queued behind the others: the level stood still until
// the queue wait ran out, the writes failed 429, and every other user of the level waited
// with them (TestRegressionO2WritesDoNotDeadlockTheirPriorityLevel).
//
// So the inner request runs in the seat its outer request holds: one O2 request, one seat,
// fair-queued once, as its caller. The Kubernetes face tells an inner request by what only
// netweave has, the loopback bearer token, on an impersonating request; everything else (an
// SMO's kubectl, netweave's own controllers, which are exempt as the loopback user anyway)
// meets API Priority and Fairness as before. With API Priority and Fairness off, the O2 chain
// and the Kubernetes face each count requests against a max-in-flight limit of their own: the
// inner request counts against the Kubernetes face's, and a full limit refuses at once rather
// than queues, so nothing waits on itself there either.

// seatHeldKey marks the context of a request that runs in a seat its caller already holds.
type seatHeldKey struct{}

// shareSeatsWithNestedWrites makes c's Kubernetes face run netweave's own impersonating
// loopback requests in the seat of the O2 request that makes them (see above). It needs the
// loopback client configuration and the flow control ApplyTo sets; without either it changes
// nothing.
func shareSeatsWithNestedWrites(c *genericapiserver.Config) {
	if c.FlowControl == nil || c.LoopbackClientConfig == nil || c.LoopbackClientConfig.BearerToken == "" {
		return
	}
	c.FlowControl = seatSharingFlowControl{c.FlowControl}
	token := c.LoopbackClientConfig.BearerToken
	build := c.BuildHandlerChainFunc
	if build == nil {
		build = genericapiserver.DefaultBuildHandlerChain
	}
	c.BuildHandlerChainFunc = func(apiHandler http.Handler, c *genericapiserver.Config) http.Handler {
		return withNestedSeatMark(build(apiHandler, c), token)
	}
}

// withNestedSeatMark marks the context of a request that bears the loopback token and
// impersonates someone: an inner request of an O2 request, whose seat it runs in. The mark is
// set before the chain's first filter, from the raw request, since authentication and then
// impersonation replace who the request is from.
func withNestedSeatMark(h http.Handler, loopbackToken string) http.Handler {
	want := []byte("Bearer " + loopbackToken)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get(authenticationv1.ImpersonateUserHeader) != "" &&
			subtle.ConstantTimeCompare([]byte(req.Header.Get("Authorization")), want) == 1 {
			req = req.WithContext(context.WithValue(req.Context(), seatHeldKey{}, true))
		}
		h.ServeHTTP(w, req)
	})
}

// seatSharingFlowControl is API Priority and Fairness that executes a marked request at once,
// in the seat its outer request holds, and admits every other one as the wrapped controller
// does.
type seatSharingFlowControl struct {
	utilflowcontrol.Interface
}

// Handle implements utilflowcontrol.Interface.
func (f seatSharingFlowControl) Handle(ctx context.Context, digest utilflowcontrol.RequestDigest,
	noteFn func(fs *flowcontrolv1.FlowSchema, pl *flowcontrolv1.PriorityLevelConfiguration, flowDistinguisher string),
	workEstimator func() fcrequest.WorkEstimate, queueNoteFn fq.QueueNoteFn, execFn func()) {
	if held, _ := ctx.Value(seatHeldKey{}).(bool); held {
		execFn()
		return
	}
	f.Interface.Handle(ctx, digest, noteFn, workEstimator, queueNoteFn, execFn)
}
