package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
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
	return s.healthClientAt(t, port, "/readyz")
}

// healthClientAt returns a probe of path (/readyz, /livez) of the replica serving on port: its
// status code, 0 when it does not answer.
func (s *stack) healthClientAt(t *testing.T, port int, path string) func() int {
	probe := s.healthBodyAt(t, port, path)
	return func() int {
		code, _ := probe()
		return code
	}
}

// healthBodyAt is healthClientAt with the answer's body (path?verbose names each check).
func (s *stack) healthBodyAt(t *testing.T, port int, path string) func() (int, string) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.cp.Serving.CABundle) {
		t.Fatal("serving CA bundle holds no certificates")
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}}
	url := "https://127.0.0.1:" + strconv.Itoa(port) + path
	return func() (int, string) {
		resp, err := c.Get(url)
		if err != nil {
			return 0, ""
		}
		defer func() { _ = resp.Body.Close() }()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return resp.StatusCode, string(body)
	}
}

// testRedisHung freezes Redis (SIGSTOP: connections stay open and nothing answers, as in a
// network partition or a stalled host) under a running netweave. The O2 face serves from
// informers; before it refused while they could not follow the store, it answered 200 from
// what they last saw for as long as the fault lasted, which on a replica cut off from a Redis
// that others still write is a stale read. It must answer 503 problem+json with Retry-After
// within the store client's timeouts, /readyz must turn false, the Kubernetes face must refuse
// at once (503, not a 500 after waiting out Redis's timeouts), and all must come back with the
// same inventory once Redis answers again.
func testRedisHung(t *testing.T, s *stack) {
	o2 := s.o2As(t, localstack.Admin)
	readyz := s.readyzClient(t)
	client, err := versioned.NewForConfig(s.cp.RESTConfig(localstack.Admin))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.O2imsV1alpha1().Locations(demoNS).Create(context.Background(), newLocation("before-freeze"), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	locations := "/tenants/" + demoNS + inventoryAPI + "/v2/locations"
	var before []map[string]any
	eventually(t, 30*time.Second, "the new Location served", func() error {
		code, _, body := o2.do(http.MethodGet, locations, "")
		if code != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", locations, code, body)
		}
		if err := json.Unmarshal(body, &before); err != nil {
			return err
		}
		if !strings.Contains(idsOf(before, "globalLocationId"), "LOC-before-freeze") {
			return fmt.Errorf("GET %s: %s", locations, idsOf(before, "globalLocationId"))
		}
		return nil
	})

	resume := s.redis.Freeze()
	frozen := time.Now()
	eventually(t, 30*time.Second, "O2 GET refused while Redis is hung", func() error {
		code, hdr, body := o2.do(http.MethodGet, locations, "")
		if code != http.StatusServiceUnavailable {
			return fmt.Errorf("GET %s: %d %s", locations, code, body)
		}
		if hdr.Get("Content-Type") != "application/problem+json" || hdr.Get("Retry-After") == "" {
			return fmt.Errorf("503 without problem+json and Retry-After: %v", hdr)
		}
		return nil
	})
	t.Logf("O2 GET refused %s after Redis froze", time.Since(frozen).Round(100*time.Millisecond))
	eventually(t, 30*time.Second, "readyz false while Redis is hung", func() error {
		if code := readyz(); code == http.StatusOK {
			return errors.New("readyz still 200")
		}
		return nil
	})

	// The Kubernetes face refuses at once too, with 503 and Retry-After (client-go sends a GET
	// again on those, up to 10 times), instead of waiting out Redis's read timeout and retries
	// and then answering 500 (the regression: 14–34 s per kubectl read). A write is refused
	// unsent, so it did not happen.
	start := time.Now()
	_, err = client.O2imsV1alpha1().Locations(demoNS).Get(context.Background(), "before-freeze", metav1.GetOptions{})
	if !apierrors.IsServiceUnavailable(err) || !strings.Contains(err.Error(), "not answering") {
		t.Errorf("kubectl-face GET while Redis is hung: %v, want 503: not answering", err)
	}
	t.Logf("kubectl-face GET refused after %s (client-go's retries included)", time.Since(start).Round(100*time.Millisecond))
	if _, err := client.O2imsV1alpha1().Locations(demoNS).Create(context.Background(), newLocation("during-freeze"), metav1.CreateOptions{}); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("create while Redis is hung: %v, want 503", err)
	}

	resume()
	thawed := time.Now()
	var after []map[string]any
	eventually(t, time.Minute, "O2 GET served again", func() error {
		code, _, body := o2.do(http.MethodGet, locations, "")
		if code != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", locations, code, body)
		}
		return json.Unmarshal(body, &after)
	})
	t.Logf("O2 GET served %s after Redis answered again", time.Since(thawed).Round(100*time.Millisecond))
	if got, want := idsOf(after, "globalLocationId"), idsOf(before, "globalLocationId"); got != want {
		t.Errorf("locations after the freeze: %s, want %s (the refused create did not happen)", got, want)
	}
	eventually(t, time.Minute, "readyz true again", func() error {
		if code := readyz(); code != http.StatusOK {
			return fmt.Errorf("readyz %d", code)
		}
		return nil
	})
}
