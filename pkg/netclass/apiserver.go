package netclass

import (
	"errors"
	"net/url"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Classes of failure to reach a Kubernetes API server (a member cluster's), as the statuses
// and answers that reach whoever chose the server say them: the member's ClusterReachable
// condition, which the provisioning controller copies into a tenant's ProvisioningRequest, and
// the O2 face's answer when it cannot issue a token on a member. The error itself (refused vs
// no route, addresses, certificate names, the body of an HTTP answer) would make netweave a
// network scanner and a reader of internal services for whoever wrote the kubeconfig.
const (
	APIServerConnect      = "cannot connect"
	APIServerTimeout      = "connection timed out"
	APIServerTLS          = "TLS handshake failed"
	APIServerUnauthorized = "unauthorized"
	APIServerForbidden    = "forbidden"
	APIServerOther        = "unreachable"
)

// APIServer maps an error of a request to a Kubernetes API server to its class: one of the
// constants above or "HTTP <code>"; never text of the error.
func APIServer(err error) string {
	var (
		status apierrors.APIStatus
		uerr   *url.Error
	)
	switch {
	case apierrors.IsUnauthorized(err):
		return APIServerUnauthorized
	case apierrors.IsForbidden(err):
		return APIServerForbidden
	case errors.As(err, &status) && status.Status().Code != 0:
		// client-go's error for any other answer quotes its body.
		return "HTTP " + strconv.Itoa(int(status.Status().Code))
	case TLS(err):
		return APIServerTLS
	// Every way of not getting a connection is one class, as for callbacks: refused,
	// unreachable, a dial timeout, a name that does not resolve.
	case NoConnection(err):
		return APIServerConnect
	case Timeout(err):
		return APIServerTimeout
	case errors.As(err, &uerr):
		// Connected, then reset or closed without an answer.
		return APIServerConnect
	}
	return APIServerOther
}
