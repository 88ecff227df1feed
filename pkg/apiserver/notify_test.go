package apiserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
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
	src, err := c.tokenSource()
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
	if _, err := c.tokenSource(); err == nil {
		t.Error("a missing secret file was accepted")
	}
}
