package apiserver

import (
	"net/http"

	genericapifilters "k8s.io/apiserver/pkg/endpoints/filters"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	flowcontrolrequest "k8s.io/apiserver/pkg/util/flowcontrol/request"
)

// o2HandlerChain wraps the O2 handler in the API server's own filters, built from the server's
// config exactly as DefaultBuildHandlerChain builds them and in the same order, so an SMO meets
// the same authentication, audit, priority and fairness, request deadline and panic recovery
// as a kubectl user:
//
//   - panic recovery, audit init, request info and received timestamp (outermost);
//   - the graceful-shutdown wait group and the request deadline (--request-timeout): the
//     request's context ends at the deadline, and every O2 handler stops on it (lists check it
//     as they walk, subscription writes pass it to the API call), answering 504;
//   - authentication (client certificates against the cluster's client CA, TokenReview bearer
//     tokens, front-proxy headers) with failed-authentication audit;
//   - audit of every request at the level the audit policy gives it;
//   - API Priority and Fairness (the cluster's FlowSchemas, fair queuing per user), or
//     max-in-flight when APF is off.
//
// Left out, because they have no meaning on a face whose handler authorizes every object itself
// and whose clients are SMOs: the non-resource authorization step (the handler asks the
// authorizer per object, as the o2ims.oran.org request it is), impersonation headers, CORS,
// OpenTelemetry tracing, HSTS, cache-control, GOAWAY, and the timeout filter's extra goroutine
// per request (the deadline above bounds a request without it). Each of those cost measurable
// throughput on the O2 GET path (docs/performance.md) for nothing an SMO uses.
func o2HandlerChain(h http.Handler, c *genericapiserver.Config) http.Handler {
	if c.FlowControl != nil {
		estimator := flowcontrolrequest.NewWorkEstimator(c.StorageObjectCountTracker.Get, c.FlowControl.GetInterestedWatchCount,
			flowcontrolrequest.DefaultWorkEstimatorConfig(), c.FlowControl.GetMaxSeats)
		h = genericfilters.WithPriorityAndFairness(h, c.LongRunningFunc, c.FlowControl, estimator, c.RequestTimeout/4)
	} else {
		h = genericfilters.WithMaxInFlightLimit(h, c.MaxRequestsInFlight, c.MaxMutatingRequestsInFlight, c.LongRunningFunc)
	}
	h = genericapifilters.WithAudit(h, c.AuditBackend, c.AuditPolicyRuleEvaluator, c.LongRunningFunc)
	failed := genericapifilters.Unauthorized(c.Serializer)
	failed = genericapifilters.WithFailedAuthenticationAudit(failed, c.AuditBackend, c.AuditPolicyRuleEvaluator)
	h = genericapifilters.WithAuthentication(h, c.Authentication.Authenticator, failed, c.Authentication.APIAudiences, c.Authentication.RequestHeaderConfig)
	h = genericapifilters.WithRequestDeadline(h, c.AuditBackend, c.AuditPolicyRuleEvaluator, c.LongRunningFunc, c.Serializer, c.RequestTimeout)
	h = genericfilters.WithWaitGroup(h, c.LongRunningFunc, c.NonLongRunningRequestWaitGroup)
	h = genericapifilters.WithLatencyTrackers(h)
	h = genericapifilters.WithRequestInfo(h, c.RequestInfoResolver)
	h = genericapifilters.WithRequestReceivedTimestamp(h)
	h = genericfilters.WithPanicRecovery(h, c.RequestInfoResolver)
	return genericapifilters.WithAuditInit(h)
}
