package apiserver

import (
	"crypto/x509"
	"strings"
	"testing"

	"k8s.io/apiserver/pkg/server/dynamiccertificates"

	"github.com/netweave-io/netweave/internal/localstack"
)

// TestFrontProxyCACheck: not ready while the front proxy's CA is empty (the ConfigMap not yet
// read), ready once it holds a certificate.
func TestFrontProxyCACheck(t *testing.T) {
	pki, err := localstack.WriteMutualTLSFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := (frontProxyCACheck{ca: notLoaded{}}).Check(nil); err == nil || !strings.Contains(err.Error(), "not loaded yet") {
		t.Errorf("an empty CA: %v, want not ready", err)
	}
	loaded, err := dynamiccertificates.NewDynamicCAContentFromFile("requestheader-client-ca-file", pki.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := (frontProxyCACheck{ca: loaded}).Check(nil); err != nil {
		t.Errorf("a loaded CA: %v, want ready", err)
	}
}

// notLoaded is the ConfigMap's CA before its informer has read it: no content yet.
type notLoaded struct{}

func (notLoaded) Name() string                              { return "requestheader-client-ca-file" }
func (notLoaded) CurrentCABundleContent() []byte            { return nil }
func (notLoaded) VerifyOptions() (x509.VerifyOptions, bool) { return x509.VerifyOptions{}, false }
func (notLoaded) AddListener(dynamiccertificates.Listener)  {}
