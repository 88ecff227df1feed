package apiserver

import (
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestOAuth2SecretReadForEveryToken is the regression test for the notifier reading its OAuth2
// client secret once, at start: after the secret was rotated (at the authorization server and
// in the Secret behind --notifier-oauth2-client-secret-file) every token request failed until
// a restart, and so did every delivery to callbacks that need a token. Now the token after
// the file changed is requested with the new secret.
func TestOAuth2SecretReadForEveryToken(t *testing.T) {
	var mu sync.Mutex
	var secrets []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, secret, ok := r.BasicAuth()
		if !ok {
			secret = r.FormValue("client_secret")
		}
		mu.Lock()
		secrets = append(secrets, secret)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "t-" + secret, "token_type": "Bearer", "expires_in": 1})
	}))
	defer server.Close()
	file := filepath.Join(t.TempDir(), "client-secret")
	if err := os.WriteFile(file, []byte("first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &NotifierConfig{OAuth2TokenURL: server.URL, OAuth2ClientID: "netweave", OAuth2ClientSecretFile: file, Timeout: 5 * time.Second}
	src, err := c.tokenSource(nil)
	if err != nil {
		t.Fatal(err)
	}
	token := func() string {
		t.Helper()
		tok, err := src.Token()
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	if got := token(); got != "t-first" {
		t.Fatalf("first token %q, want t-first", got)
	}
	if err := os.WriteFile(file, []byte("rotated\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := token(); got != "t-rotated" {
		t.Errorf("token after the secret file changed: %q, want t-rotated", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(secrets) != 2 || secrets[0] != "first" || secrets[1] != "rotated" {
		t.Errorf("the token endpoint saw secrets %q, want [first rotated]", secrets)
	}

	// A missing file stops the start.
	c.OAuth2ClientSecretFile = filepath.Join(t.TempDir(), "missing")
	if _, err := c.tokenSource(nil); err == nil {
		t.Error("a missing secret file was accepted")
	}
}

// tokenSourceFor is the notifier's token source for the endpoint at url, with the client
// secret "s3cr3t" and a timeout of 5 s.
func tokenSourceFor(t *testing.T, url string) oauth2.TokenSource {
	t.Helper()
	return tokenSourceWithin(t, url, 5*time.Second)
}

func tokenSourceWithin(t *testing.T, url string, timeout time.Duration) oauth2.TokenSource {
	t.Helper()
	file := filepath.Join(t.TempDir(), "client-secret")
	if err := os.WriteFile(file, []byte("s3cr3t"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &NotifierConfig{OAuth2TokenURL: url, OAuth2ClientID: "netweave", OAuth2ClientSecretFile: file, Timeout: timeout}
	src, err := c.tokenSource(nil)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestRegressionTokenEndpointRedirectNotFollowed: the token client followed redirects. A 307
// or 308 resends the request, body included, so the client secret went to wherever the token
// endpoint (or an open redirect on its host) pointed: in the Authorization header when the
// target has the same host name (Go keeps it across ports), and in the body once
// golang.org/x/oauth2's style detection, after the header style failed, put it there. The
// token endpoint's answer is taken as it is now: a redirect is a failed token request.
func TestRegressionTokenEndpointRedirectNotFollowed(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, secret, _ := r.BasicAuth()
		mu.Lock()
		leaked = append(leaked, secret+"|"+r.FormValue("client_secret"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "elsewhere", "token_type": "Bearer", "expires_in": 3600})
	}))
	defer elsewhere.Close()
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/token", code)
		}))
		tok, err := tokenSourceFor(t, redirecting.URL+"/token").Token()
		redirecting.Close()
		if err == nil {
			t.Errorf("%d: token %q from the redirect's target", code, tok.AccessToken)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Errorf("the redirect's target received token requests (client secret in header|body): %q", leaked)
	}
}

// TestOAuth2TokenEndpointAnswersBounded: what a misbehaving token endpoint answers costs a
// bounded read and gives an error or a token the notifier copes with (pkg/notify: a token no
// header can carry is refused, one that expires at once is kept 5 s, one that never expires is
// dropped on a 401). The read is golang.org/x/oauth2's, bounded at 1 MiB; the client's timeout
// here is an hour, so a read waiting for the end of an endless answer would show.
func TestOAuth2TokenEndpointAnswersBounded(t *testing.T) {
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"`)
		chunk := []byte(strings.Repeat("a", 32<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	done := make(chan error, 1)
	go func() {
		_, err := tokenSourceWithin(t, endless.URL, time.Hour).Token()
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("an endless answer gave a token")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the token request was still reading an endless answer after 30s")
	}

	answering := func(contentType, body string) oauth2.TokenSource {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			_, _ = io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		return tokenSourceFor(t, srv.URL)
	}
	for name, src := range map[string]oauth2.TokenSource{
		"not JSON":       answering("text/html", "<html>login</html>"),
		"JSON, no token": answering("application/json", `{"token_type":"Bearer"}`),
		"2 MiB token":    answering("application/json", `{"access_token":"`+strings.Repeat("a", 2<<20)+`","token_type":"Bearer"}`),
		"error in a 200": answering("application/json", `{"error":"invalid_client","error_description":"`+strings.Repeat("x", 1<<20)+`"}`),
	} {
		if tok, err := src.Token(); err == nil {
			t.Errorf("%s: token of %d bytes", name, len(tok.AccessToken))
		}
	}
	now := time.Now()
	for name, tc := range map[string]struct {
		expiresIn           string
		notBefore, notAfter time.Time
	}{
		"absurd":   {"99999999999999", now.Add(60 * 365 * 24 * time.Hour), now.Add(70 * 365 * 24 * time.Hour)},
		"10 years": {"315360000", now.Add(9 * 365 * 24 * time.Hour), now.Add(11 * 365 * 24 * time.Hour)},
		"negative": {"-3600", now.Add(-2 * time.Hour), now},
	} {
		tok, err := answering("application/json", `{"access_token":"t","token_type":"Bearer","expires_in":`+tc.expiresIn+`}`).Token()
		if err != nil {
			t.Errorf("%s expires_in: %v", name, err)
			continue
		}
		if tok.Expiry.Before(tc.notBefore) || tok.Expiry.After(tc.notAfter) {
			t.Errorf("%s expires_in: expiry %v, want between %v and %v", name, tok.Expiry, tc.notBefore, tc.notAfter)
		}
	}
}

// TestRegressionTokenEndpointOfAPrivateCAUnreachable: the token client verified the
// authorization server against the system roots only, so one whose certificate the
// operator's own CA signed (--notifier-ca-file, which the callbacks are verified against) was
// unreachable and no callback that needs a token was ever delivered.
func TestRegressionTokenEndpointOfAPrivateCAUnreachable(t *testing.T) {
	server := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "private", "token_type": "Bearer", "expires_in": 60})
	}))
	defer server.Close()
	file := filepath.Join(t.TempDir(), "client-secret")
	if err := os.WriteFile(file, []byte("s3cr3t"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &NotifierConfig{OAuth2TokenURL: server.URL, OAuth2ClientID: "netweave", OAuth2ClientSecretFile: file, Timeout: 5 * time.Second}
	roots := x509.NewCertPool()
	roots.AddCert(server.Certificate())
	src, err := c.tokenSource(roots)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := src.Token(); err != nil || tok.AccessToken != "private" {
		t.Errorf("token from the endpoint the given roots verify: %v, %v", tok, err)
	}
	if src, err = c.tokenSource(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Token(); err == nil {
		t.Error("the system roots verified the test CA's certificate")
	}
}
