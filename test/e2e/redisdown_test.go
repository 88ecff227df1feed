package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
)

// testRedisDown stops Redis under a running netweave: requests must fail with a server error
// and /readyz must turn false, the process must stay up, and it must recover when Redis returns.
func testRedisDown(t *testing.T, s *stack) {
	client, err := versioned.NewForConfig(s.cp.RESTConfig(localstack.Admin))
	if err != nil {
		t.Fatal(err)
	}
	readyz := s.readyzClient(t)
	s.redis.Stop()

	eventually(t, 30*time.Second, "list fails with 5xx", func() error {
		_, err := client.O2imsV1alpha1().O2Resources(demoNS).List(context.Background(), metav1.ListOptions{})
		var st apierrors.APIStatus
		if err == nil || !errors.As(err, &st) || st.Status().Code < 500 {
			return fmt.Errorf("list returned %v", err)
		}
		return nil
	})
	_, err = client.O2imsV1alpha1().Locations(demoNS).Create(context.Background(), newLocation("while-down"), metav1.CreateOptions{})
	var st apierrors.APIStatus
	if err == nil || !errors.As(err, &st) || st.Status().Code < 500 {
		t.Errorf("create while Redis is down: want 5xx, got %v", err)
	}
	eventually(t, 30*time.Second, "readyz false", func() error {
		if code := readyz(); code == http.StatusOK {
			return errors.New("readyz still 200")
		}
		return nil
	})
	select {
	case <-s.netweave.Exited():
		t.Fatalf("netweave exited while Redis was down: %v", s.netweave.ExitError())
	default:
	}

	s.redis.Restart()
	eventually(t, time.Minute, "readyz true again", func() error {
		if code := readyz(); code != http.StatusOK {
			return fmt.Errorf("readyz %d", code)
		}
		return nil
	})
	eventually(t, time.Minute, "create works again", func() error {
		_, err := client.O2imsV1alpha1().Locations(demoNS).Create(context.Background(), newLocation("after-redis"), metav1.CreateOptions{})
		return err
	})
}

// readyzClient returns a function that GETs netweave's /readyz directly, as a kubelet probe would.
func (s *stack) readyzClient(t *testing.T) func() int { return s.readyzClientAt(t, s.port) }

// readyzClientAt is readyzClient for the netweave serving on port (a replica's).
func (s *stack) readyzClientAt(t *testing.T, port int) func() int {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.cp.Serving.CABundle) {
		t.Fatal("serving CA bundle holds no certificates")
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}}
	url := "https://127.0.0.1:" + strconv.Itoa(port) + "/readyz"
	return func() int {
		resp, err := c.Get(url)
		if err != nil {
			return 0
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
}
