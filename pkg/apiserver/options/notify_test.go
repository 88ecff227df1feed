package options

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestNotifyOAuth2Hosts: the token goes only where --notifier-oauth2-hosts says, so a token
// URL without hosts (which used to mean "every callback") is an error, not silence.
func TestNotifyOAuth2Hosts(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // substring of an error, "" for none
	}{
		{nil, ""},
		{[]string{"--notifier-oauth2-token-url=https://idp/token", "--notifier-oauth2-client-id=c", "--notifier-oauth2-client-secret-file=/s",
			"--notifier-oauth2-hosts=smo.example.com,*.hooks.example.net,[2001:db8::1]:8443"}, ""},
		{[]string{"--notifier-oauth2-token-url=https://idp/token", "--notifier-oauth2-client-id=c", "--notifier-oauth2-client-secret-file=/s"},
			"needs --notifier-oauth2-hosts"},
		{[]string{"--notifier-oauth2-hosts=smo.example.com"}, "needs --notifier-oauth2-token-url"},

		{[]string{"--notifier-oauth2-token-url=https://idp/token", "--notifier-oauth2-client-id=c", "--notifier-oauth2-client-secret-file=/s",
			"--notifier-oauth2-hosts=https://smo.example.com/"}, "--notifier-oauth2-hosts"},
	} {
		if got := notifyErrors(t, tc.args); (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%v: errors %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestRegressionPlainHTTPTokenURLAccepted: an http token URL was accepted, and every token
// request sent the client secret, and every answer the token, across the network in clear.
func TestRegressionPlainHTTPTokenURLAccepted(t *testing.T) {
	for _, tokenURL := range []string{"http://idp/token", "idp/token", "https:///token"} {
		got := notifyErrors(t, []string{"--notifier-oauth2-token-url=" + tokenURL, "--notifier-oauth2-client-id=c",
			"--notifier-oauth2-client-secret-file=/s", "--notifier-oauth2-hosts=smo.example.com"})
		if !strings.Contains(got, "must be an https URL") {
			t.Errorf("--notifier-oauth2-token-url=%s: errors %q, want it refused", tokenURL, got)
		}
	}
}

// notifyErrors parses args into the notifier's options and returns what Validate says, joined.
func notifyErrors(t *testing.T, args []string) string {
	t.Helper()
	o := NewNotifyOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, err := range o.Validate() {
		msgs = append(msgs, err.Error())
	}
	return strings.Join(msgs, "; ")
}
