package apiserver

import (
	"fmt"
	"net/http"

	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/apiserver/pkg/server/healthz"
)

// frontProxyCACheck makes /readyz fail until the front proxy's CA is loaded: the CA that
// signs the client certificate kube-apiserver presents when it forwards a request, with the
// user in its headers. The generic server reads it from the extension-apiserver-authentication
// ConfigMap through an informer it starts only when it starts serving, so for a moment every
// forwarded request is anonymous and answered 403; the aggregator's availability check can
// meet that 403 and mark the APIService unavailable (seen in e2e before it waited for
// readiness). Unready until then, a replica gets no traffic from its Service during it.
type frontProxyCACheck struct {
	ca dynamiccertificates.CAContentProvider
}

var _ healthz.HealthChecker = frontProxyCACheck{}

func (frontProxyCACheck) Name() string { return "front-proxy-ca" }

func (c frontProxyCACheck) Check(*http.Request) error {
	if len(c.ca.CurrentCABundleContent()) == 0 {
		return fmt.Errorf("the front proxy's client CA (%s) is not loaded yet: requests kube-apiserver forwards would be anonymous", c.ca.Name())
	}
	return nil
}
