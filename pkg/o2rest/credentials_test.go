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

// TestRegressionResourceElementCredentialsRedacted: a Resource's elements are whole Resources
// with their own extensions. Redaction walked only the document's top-level free-form objects,
// so a credential kept in an element's extensions was served to every reader without
// resources/credentials (and carried by every notification).
func TestRegressionResourceElementCredentialsRedacted(t *testing.T) {
	const resID = "c0000000-0000-4000-8000-0000000000d1"
	objs := append(fixtures(), &o2v1.O2Resource{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant-a", Name: "bmc"}, Spec: o2v1.ResourceSpec{
		ResourceID: resID, ResourcePoolID: poolA, ResourceTypeID: typeID,
		Extensions: o2v1.Extensions{"bmcPassword": {Raw: []byte(`"top-level-s3cret"`)}},
		Elements: []o2v1.ResourceElement{{ResourceID: "c0000000-0000-4000-8000-0000000000d2",
			Extensions: o2v1.Extensions{"bmcPassword": {Raw: []byte(`"element-s3cret"`)}, "slot": {Raw: []byte(`"3"`)}}}},
	}})
	e := newEnvOf(t, objs, func(c *Config) { c.Authorizer = noCredentials })
	for _, path := range []string{
		inventory + "/v1/resourcePools/" + poolA + "/resources/" + resID,
		inventory + "/v2/resourcePools/" + poolA + "/resources/" + resID,
		inventory + "/v1/resourcePools/" + poolA + "/resources",
	} {
		r := e.do("GET", "reader-token", path, "")
		e.expect(r, 200, path)
		if strings.Contains(string(r.body), "s3cret") || !strings.Contains(string(r.body), `"slot":"3"`) {
			t.Errorf("%s: a reader without resources/credentials: %s", path, r.body)
		}
	}
}

// noCredentials allows every verb but on subresources: no caller may read credentials.
var noCredentials = authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if a.GetSubresource() == "" {
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionNoOpinion, "", nil
})

// TestRegressionServiceConfigurationCredentialsRedacted: the AlarmServiceConfiguration was the
// one O2 document rendered without redaction, so any reader of the singleton read a token the
// operator keeps in its extensions. It is redacted like every other; and a caller that reads it
// redacted and PUTs back what it read keeps the stored credential instead of writing the
// marker over it.
func TestRegressionServiceConfigurationCredentialsRedacted(t *testing.T) {
	objs := append(fixtures(), &o2v1.AlarmServiceConfiguration{ObjectMeta: metav1.ObjectMeta{Name: serviceConfigurationName, UID: "u-conf", ResourceVersion: "5"},
		Spec: o2v1.AlarmServiceConfigurationSpec{Extensions: o2v1.Extensions{
			"alertmanagerWebhookToken": {Raw: []byte(`"conf-s3cret"`)}, "site": {Raw: []byte(`"tor"`)},
			"receiver": {Raw: []byte(`{"url":"https://am.example","apiToken":"nested-s3cret","big":12345678901234567}`)}}}})
	e := newEnvOf(t, objs, func(c *Config) { c.Authorizer = noCredentials })
	conf := monitoring + "/v2/alarmServiceConfiguration"
	r := e.do("GET", "reader-token", conf, "")
	e.expect(r, 200, "GET")
	if strings.Contains(string(r.body), "s3cret") || !strings.Contains(string(r.body), `"site":"tor"`) {
		t.Fatalf("GET by a caller without alarmserviceconfigurations/credentials: %s", r.body)
	}
	body := strings.Replace(string(r.body), `"site":"tor"`, `"site":"yyz"`, 1)
	r = e.doWith("PUT", "reader-token", conf, "application/json", body)
	e.expect(r, 200, "PUT of what GET showed")
	if strings.Contains(string(r.body), "conf-s3cret") {
		t.Errorf("the PUT's answer shows the credential: %s", r.body)
	}
	stored, err := e.client.O2imsV1alpha1().AlarmServiceConfigurations().Get(context.Background(), serviceConfigurationName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	receiver := string(stored.Spec.Extensions["receiver"].Raw)
	if !strings.Contains(receiver, `"apiToken":"nested-s3cret"`) || !strings.Contains(receiver, "12345678901234567") {
		t.Errorf("after the PUT the stored receiver is %s: the nested token and the number must be kept", receiver)
	}
	if got := string(stored.Spec.Extensions["alertmanagerWebhookToken"].Raw); got != `"conf-s3cret"` || string(stored.Spec.Extensions["site"].Raw) != `"yyz"` {
		t.Errorf("after the PUT the stored extensions are %v: the token must be kept, site changed", stored.Spec.Extensions)
	}
}

// TestRegressionV1CapabilitiesNestedCredentialRedacted: a deployment manager's v1 capabilities
// (and capacity) give non-string values as their JSON text, so a credential nested in one
// ({"cluster":{"token":"..."}}) was a plain string under a harmless key that redaction did not
// read: a caller without deploymentmanagers/credentials read it on v1 (and v1 subscribers'
// callbacks received it), while v2 redacted it.
func TestRegressionV1CapabilitiesNestedCredentialRedacted(t *testing.T) {
	const id = "c0000000-0000-4000-8000-0000000000e1"
	objs := append(fixtures(), &o2v1.DeploymentManager{ObjectMeta: objMeta("tenant-a", "nested"), Spec: o2v1.DeploymentManagerSpec{
		DeploymentManagerID: id, Name: "nested", OCloudID: ocloudID, ServiceURI: "https://edge:6443",
		Capabilities: o2v1.Extensions{"cluster": {Raw: []byte(`{"endpoint":"https://x","token":"cap-s3cret"}`)}},
		Capacity:     o2v1.Extensions{"registry": {Raw: []byte(`[{"password":"capa-s3cret"}]`)}},
	}})
	e := newEnvOf(t, objs, func(c *Config) { c.Authorizer = noCredentials })
	for _, v := range []string{"2", "1"} {
		for _, path := range []string{
			inventory + "/v" + v + "/deploymentManagers/" + id,
			inventory + "/v" + v + "/deploymentManagers/" + id + "?all_fields",
			inventory + "/v" + v + "/deploymentManagers",
		} {
			r := e.do("GET", "reader-token", path, "")
			e.expect(r, 200, path)
			if strings.Contains(string(r.body), "s3cret") {
				t.Errorf("%s: a reader without deploymentmanagers/credentials sees a credential: %s", path, r.body)
			}
			if !strings.Contains(string(r.body), "https://x") {
				t.Errorf("%s: the rest of the capability is gone: %s", path, r.body)
			}
		}
	}
}
