package apiserver

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"k8s.io/apimachinery/pkg/types"
	auditinternal "k8s.io/apiserver/pkg/apis/audit"
	"k8s.io/apiserver/pkg/audit"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/endpoints/request"

	genericapifilters "k8s.io/apiserver/pkg/endpoints/filters"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	flowcontrolrequest "k8s.io/apiserver/pkg/util/flowcontrol/request"

	"github.com/netweave-io/netweave/pkg/o2rest"
)

// o2HandlerChain wraps the O2 handler in the API server's own filters, built from the server's
// config as DefaultBuildHandlerChain builds them and in the same order, so an SMO meets the same
// authentication, audit, priority and fairness, request deadline and panic recovery as a
// kubectl user:
//
//   - the request's context (withO2RequestContext, outermost): audit id, received timestamp,
//     request info and the request deadline (--request-timeout): the context ends at the
//     deadline, and every O2 handler stops on it (lists check it as they walk, subscription
//     writes pass it to the API call), answering 504;
//   - panic recovery and the graceful-shutdown wait group;
//   - authentication (client certificates against the cluster's client CA, TokenReview bearer
//     tokens, front-proxy headers) with failed-authentication audit; credentials that could not
//     be checked (the TokenReview failed to reach the cluster) are a 503, not a 401 (o2authn.go);
//   - audit of every request at the level the audit policy gives it;
//   - API Priority and Fairness (the cluster's FlowSchemas, fair queuing per user), or
//     max-in-flight when APF is off;
//   - OpenTelemetry tracing (withO2Tracing) on the generic server's TracerProvider, after
//     authentication as in DefaultBuildHandlerChain, only when --tracing-config-file turned
//     tracing on: with it off the filter is not in the chain at all.
//
// Left out, because they have no meaning on a face whose handler authorizes every object itself
// and whose clients are SMOs: the non-resource authorization step (the handler asks the
// authorizer per object, as the o2ims.oran.org request it is), impersonation (a request that
// asks for it is refused by the O2 router, o2rest.impersonationHeader, not served as its
// caller), CORS,
// HSTS, cache-control, GOAWAY, the latency trackers (they feed only the
// slow-request trace of the Kubernetes endpoints, which the O2 face has not), and the timeout
// filter's extra goroutine per request (the deadline above bounds the handler's work without it,
// and the listener's read and write deadlines, o2rest.ServingOptions.RequestTimeout, a client
// that stops reading or sending). Each of
// those cost measurable throughput on the O2 GET path (docs/performance.md) for nothing an SMO
// uses.
func o2HandlerChain(h http.Handler, c *genericapiserver.Config, certificatesOnly bool) http.Handler {
	if c.FlowControl != nil {
		estimator := flowcontrolrequest.NewWorkEstimator(c.StorageObjectCountTracker.Get, c.FlowControl.GetInterestedWatchCount,
			flowcontrolrequest.DefaultWorkEstimatorConfig(), c.FlowControl.GetMaxSeats)
		h = genericfilters.WithPriorityAndFairness(h, c.LongRunningFunc, c.FlowControl, estimator, c.RequestTimeout/4)
	} else {
		h = genericfilters.WithMaxInFlightLimit(h, c.MaxRequestsInFlight, c.MaxMutatingRequestsInFlight, c.LongRunningFunc)
	}
	h = genericapifilters.WithAudit(h, c.AuditBackend, c.AuditPolicyRuleEvaluator, c.LongRunningFunc)
	h = withO2Tracing(h, c.TracerProvider)
	failed := withAuthenticationUnavailable(genericapifilters.Unauthorized(c.Serializer), c.Serializer)
	failed = genericapifilters.WithFailedAuthenticationAudit(failed, c.AuditBackend, c.AuditPolicyRuleEvaluator)
	var authn authenticator.Request
	if c.Authentication.Authenticator != nil || certificatesOnly {
		authn = o2Authenticator{Request: c.Authentication.Authenticator, certificatesOnly: certificatesOnly}
	}
	h = genericapifilters.WithAuthentication(h, authn, failed, c.Authentication.APIAudiences, c.Authentication.RequestHeaderConfig)
	h = genericfilters.WithWaitGroup(h, c.LongRunningFunc, c.NonLongRunningRequestWaitGroup)
	h = genericfilters.WithPanicRecovery(h, c.RequestInfoResolver)
	return withO2RequestContext(h, c.RequestTimeout)
}

// withO2RequestContext gives the request, in one step, the context that WithAuditInit,
// WithRequestReceivedTimestamp, WithRequestInfo and WithRequestDeadline build one filter at a
// time, with the same k8s.io/apiserver context functions. Each of those filters copies the
// whole request to attach its value (Request.WithContext), and those copies were the largest
// allocation of an O2 GET; here the request is copied once. The O2 face's per-request state
// (o2rest.WithRequestState: the route's variables) is added here too, so its router does not
// copy the request again.
//
// The request info is what the API server's resolver answers for any path outside its API
// prefixes, which every O2 path is: a non-resource request with the path and the lower-case
// method as verb (audit and API Priority and Fairness classify it by those). No O2 request is
// long-running, so every one gets the deadline, --request-timeout from when it was received.
func withO2RequestContext(h http.Handler, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		received := time.Now()
		ctx := audit.WithAuditContext(req.Context())
		auditID := req.Header.Get(auditinternal.HeaderAuditID)
		if auditID == "" {
			auditID = uuid.New().String()
		}
		audit.WithAuditID(ctx, types.UID(auditID))
		if w.Header().Get(auditinternal.HeaderAuditID) == "" {
			w.Header().Set(auditinternal.HeaderAuditID, auditID)
		}
		// What the API server's WithCacheControl does for the Kubernetes face, stricter: O2
		// answers are per caller (its tenancy) and some carry credentials (a Kubernetes
		// profile's token), and a client-certificate request has no Authorization header that
		// would keep a shared cache in front of the listener from storing one for another SMO.
		w.Header().Set("Cache-Control", "no-store")
		ctx = request.WithReceivedTimestamp(ctx, received)
		ctx = request.WithRequestInfo(ctx, &request.RequestInfo{Path: req.URL.Path, Verb: strings.ToLower(req.Method)})
		ctx = o2rest.WithRequestState(ctx)
		ctx, cancel := context.WithDeadline(ctx, received.Add(timeout))
		defer cancel()
		h.ServeHTTP(w, req.WithContext(ctx))
	})
}
