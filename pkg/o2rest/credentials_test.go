package o2rest

import (
	"context"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

const dmCredsID = "c0000000-0000-4000-8000-0000000000c1"

// credentialsEnv serves a deployment manager and an O-Cloud holding credentials in their
// extensions, to "reader" (may read everything, not credentials) and "operator" (may also get
// the credentials subresource). credentialChecks counts the authorizer's credentials questions.
// While unavailable holds, those questions fail as when the authorizer cannot reach the
// cluster.
func credentialsEnv(t *testing.T, unavailable *atomic.Bool) (*env, *atomic.Int32) {
	t.Helper()
	secret := o2v1.Extensions{
		"profileData": {Raw: []byte(`{"admin_client_id":"c","admin_client_secret":"hunter2"}`)},
		"site":        {Raw: []byte(`{"name":"a","apiToken":"t0k"}`)},
	}
	objs := []runtime.Object{
		&o2v1.OCloud{ObjectMeta: metav1.ObjectMeta{Name: "default"}, Spec: o2v1.OCloudSpec{OCloudID: ocloudID, GlobalCloudID: globalID, Name: "edge",
			Extensions: o2v1.Extensions{"registryPassword": {Raw: []byte(`"pw"`)}}}},
		&o2v1.DeploymentManager{ObjectMeta: objMeta("tenant-a", "creds"), Spec: o2v1.DeploymentManagerSpec{DeploymentManagerID: dmCredsID, Name: "creds",
			OCloudID: ocloudID, ServiceURI: "https://edge:6443", Extensions: secret,
			Capabilities: o2v1.Extensions{"kubeconfig": {Raw: []byte(`"apiVersion: v1"`)}, "gpu": {Raw: []byte(`"yes"`)}}}},
		&o2v1.DeploymentManager{ObjectMeta: objMeta("tenant-a", "plain"), Spec: o2v1.DeploymentManagerSpec{DeploymentManagerID: dmID, Name: "plain",
			OCloudID: ocloudID, ServiceURI: "https://plain:6443", Extensions: o2v1.Extensions{"country": {Raw: []byte(`"CA"`)}}}},
	}
	checks := &atomic.Int32{}
	e := newEnvOf(t, objs, func(c *Config) {
		c.Authorizer = authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
			if a.GetSubresource() == "" {
				return authorizer.DecisionAllow, "", nil
			}
			if a.GetSubresource() == CredentialsSubresource && a.GetVerb() == "get" {
				checks.Add(1)
				if unavailable != nil && unavailable.Load() {
					return authorizer.DecisionNoOpinion, "", &url.Error{Op: "Post", URL: "https://10.0.0.1:443/apis/authorization.k8s.io/v1/subjectaccessreviews", Err: syscall.ECONNREFUSED}
				}
				if a.GetUser().GetName() == "operator" {
					return authorizer.DecisionAllow, "", nil
				}
			}
			return authorizer.DecisionNoOpinion, "", nil
		})
	})
	return e, checks
}

// TestRegressionO2RedactsCredentials: the O2 face showed a deployment manager's profileData
// (cluster credentials) to anyone allowed to read deployment managers, while notifications of
// the same object redacted it.
func TestRegressionO2RedactsCredentials(t *testing.T) {
	e, checks := credentialsEnv(t, nil)
	for _, v := range []string{"1", "2"} {
		base := inventory + "/v" + v + "/deploymentManagers"
		r := e.do("GET", "reader-token", base+"/"+dmCredsID+"?all_fields", "")
		e.expect(r, 200, "reader GET")
		e.schema.Validate(t, int(v[0]-'0'), "DeploymentManager", r.body)
		doc := decodeObject(t, r.body)
		ext := doc["extensions"].(map[string]any)
		if ext["profileData"] != model.Redacted || ext["site"].(map[string]any)["apiToken"] != model.Redacted || ext["site"].(map[string]any)["name"] != "a" {
			t.Errorf("v%s reader extensions: %v", v, ext)
		}
		if caps := doc["capabilities"].(map[string]any); caps["kubeconfig"] != model.Redacted || caps["gpu"] != "yes" {
			t.Errorf("v%s reader capabilities: %v", v, caps)
		}
		if strings.Contains(string(r.body), "hunter2") || strings.Contains(string(r.body), "t0k") {
			t.Errorf("v%s reader sees a credential: %s", v, r.body)
		}
		// The default selection (cached JSON) and lists are redacted too.
		for _, path := range []string{base + "/" + dmCredsID, base, base + "?fields=extensions"} {
			r := e.do("GET", "reader-token", path, "")
			e.expect(r, 200, path)
			if strings.Contains(string(r.body), "hunter2") || strings.Contains(string(r.body), "t0k") {
				t.Errorf("%s: reader sees a credential: %s", path, r.body)
			}
		}
		// A filter on a credential is evaluated on what the caller sees: no oracle.
		f := base + "?filter=" + url.QueryEscape("(eq,extensions/site/apiToken,t0k)")
		if got := decodeList(t, e.do("GET", "reader-token", f, "").body); len(got) != 0 {
			t.Errorf("v%s: a filter on a redacted value matched for the reader: %v", v, got)
		}
		if got := decodeList(t, e.do("GET", "operator-token", f, "").body); len(got) != 1 {
			t.Errorf("v%s: the operator's filter on the credential matched %d", v, len(got))
		}

		r = e.do("GET", "operator-token", base+"/"+dmCredsID+"?all_fields", "")
		e.expect(r, 200, "operator GET")
		doc = decodeObject(t, r.body)
		ext = doc["extensions"].(map[string]any)
		if ext["site"].(map[string]any)["apiToken"] != "t0k" || ext["profileData"].(map[string]any)["admin_client_secret"] != "hunter2" {
			t.Errorf("v%s operator extensions: %v", v, ext)
		}
	}

	root := inventory + "/v1"
	if r := e.do("GET", "reader-token", root+"?all_fields", ""); strings.Contains(string(r.body), `"pw"`) || !strings.Contains(string(r.body), model.Redacted) {
		t.Errorf("reader O-Cloud: %s", r.body)
	}
	if r := e.do("GET", "operator-token", root+"?all_fields", ""); !strings.Contains(string(r.body), `"pw"`) {
		t.Errorf("operator O-Cloud: %s", r.body)
	}

	// A document without credentials costs no permission check.
	before := checks.Load()
	e.expect(e.do("GET", "reader-token", inventory+"/v2/deploymentManagers/"+dmID, ""), 200, "plain GET")
	if n := checks.Load() - before; n != 0 {
		t.Errorf("%d credentials checks for a document without credentials", n)
	}
	// A list asks once per namespace, not per object.
	before = checks.Load()
	e.expect(e.do("GET", "reader-token", inventory+"/v2/deploymentManagers", ""), 200, "list")
	if n := checks.Load() - before; n != 1 {
		t.Errorf("%d credentials checks for one namespace", n)
	}
}

// While the authorizer cannot decide whether the caller may read a deployment manager's
// credentials, the answer is 503 to retry (regression: the document was served with its
// credentials redacted, telling an operator who may read them that they were gone).
func TestRegressionCredentialsCheckUnavailableIs503(t *testing.T) {
	unavailable := &atomic.Bool{}
	e, _ := credentialsEnv(t, unavailable)
	dm := inventory + "/v1/deploymentManagers/" + dmCredsID
	e.expect(e.do("GET", "operator-token", dm, ""), 200, "before")
	unavailable.Store(true)
	for _, path := range []string{dm, inventory + "/v1/deploymentManagers"} {
		r := e.do("GET", "operator-token", path, "")
		e.expect(r, 503, path)
		if r.header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", path)
		}
	}
	unavailable.Store(false)
	r := e.do("GET", "operator-token", dm, "")
	e.expect(r, 200, "after")
	if strings.Contains(string(r.body), "REDACTED") {
		t.Errorf("credentials redacted for an operator who may read them: %s", r.body)
	}
}
