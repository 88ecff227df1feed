package o2rest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

const (
	dmKnownID   = "c0000000-0000-4000-8000-0000000000d1"
	fakeToken   = "eyJ-secret-token"
	fakeCA      = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	profileBase = inventory + "/v1/deploymentManagers/"
)

// fakeProfiles knows the cluster of dmKnownID only and records the namespaces tokens were asked
// for.
type fakeProfiles struct {
	mu    sync.Mutex
	asked []string
	// tokenErr, when set, is the error of every token request.
	tokenErr error
}

func (f *fakeProfiles) Profile(_ context.Context, dm *o2v1.DeploymentManager, namespace string) (*ClusterAccess, bool, error) {
	if dm.Spec.DeploymentManagerID != dmKnownID {
		return nil, false, nil
	}
	if namespace != "" && f.tokenErr != nil {
		return nil, false, f.tokenErr
	}
	a := &ClusterAccess{Endpoint: "https://edge-1:6443", CA: []byte(fakeCA)}
	if namespace != "" {
		f.mu.Lock()
		f.asked = append(f.asked, namespace)
		f.mu.Unlock()
		a.Token, a.Expiration, a.Namespace, a.ServiceAccount = fakeToken, time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), namespace, "o2ims-smo"
	}
	return a, true, nil
}

// profileEnv serves a known (dmKnownID) and an unknown (dmID) deployment manager in tenant-a.
// Everybody may read everything; get on deploymentmanagers/credentials is granted to
// tenant-a's ServiceAccount in tenant-a, and to tenant-b's in tenant-b only.
func profileEnv(t *testing.T, more ...func(*Config)) (*env, *fakeProfiles) {
	t.Helper()
	objs := []runtime.Object{
		&o2v1.OCloud{ObjectMeta: objMeta("", "default"), Spec: o2v1.OCloudSpec{OCloudID: ocloudID, GlobalCloudID: globalID, Name: "edge"}},
		&o2v1.DeploymentManager{ObjectMeta: objMeta("tenant-a", "edge-1"), Spec: o2v1.DeploymentManagerSpec{DeploymentManagerID: dmKnownID, Name: "edge-1",
			OCloudID: ocloudID, ServiceURI: "https://edge-1:6443", Extensions: o2v1.Extensions{"country": {Raw: []byte(`"CA"`)}}}},
		&o2v1.DeploymentManager{ObjectMeta: objMeta("tenant-a", "admins"), Spec: o2v1.DeploymentManagerSpec{DeploymentManagerID: dmID, Name: "admins",
			OCloudID: ocloudID, ServiceURI: "https://other:6443"}},
	}
	fp := &fakeProfiles{}
	e := newEnvOf(t, objs, func(c *Config) {
		c.Profiles = fp
		c.Authorizer = authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
			if a.GetSubresource() == "" {
				return authorizer.DecisionAllow, "", nil
			}
			if a.GetSubresource() == CredentialsSubresource && a.GetVerb() == "get" && a.GetResource() == "deploymentmanagers" {
				switch a.GetUser().GetName() {
				case "system:serviceaccount:tenant-a:smo":
					if a.GetNamespace() == "tenant-a" {
						return authorizer.DecisionAllow, "", nil
					}
				case "system:serviceaccount:tenant-b:smo":
					if a.GetNamespace() == "tenant-b" {
						return authorizer.DecisionAllow, "", nil
					}
				}
			}
			return authorizer.DecisionNoOpinion, "", nil
		})
		for _, m := range more {
			m(c)
		}
	})
	return e, fp
}

// TestProfileTokenNeedsThePermissionInItsNamespace: a token acts in the tenant namespace of the
// member, so holding the credentials permission where the manager lives is not enough on
// another tenant's apiRoot. Tenant-a's SMO, who may read tenant-b, asks tenant-b's apiRoot for
// tenant-a's manager (the inventory namespace here) and gets no token for tenant-b.
func TestProfileTokenNeedsThePermissionInItsNamespace(t *testing.T) {
	e, fp := profileEnv(t, func(c *Config) { c.InventoryNamespace = "tenant-a" })
	r := e.do("GET", "sa-a-token", "/tenants/tenant-b"+inventory+"/v1/deploymentManagers/"+dmKnownID+"?profile=k8s", "")
	if strings.Contains(string(r.body), fakeToken) || len(fp.asked) != 0 {
		t.Errorf("a token for another tenant's namespace: %d %s (asked %v)", r.status, r.body, fp.asked)
	}
	r = e.do("GET", "sa-a-token", "/tenants/tenant-a"+inventory+"/v1/deploymentManagers/"+dmKnownID+"?profile=k8s", "")
	e.expect(r, 200, "tenant-a's SMO on its own apiRoot")
	if _, data := profileDataOf(t, "?profile=k8s", r.body); data[ProfileKeyToken] != fakeToken {
		t.Errorf("no token on the tenant's own apiRoot: %v", data)
	}
}

// TestRegressionProfileFailureCarriesNoPeerData: a member's kubeconfig may be a tenant's (the
// Secret of a cluster it provisioned), and the 502 for a token the member would not issue
// quoted the error: the member's address and the body of its answer, an internal service's if
// the kubeconfig pointed there. The answer now says the class only.
func TestRegressionProfileFailureCarriesNoPeerData(t *testing.T) {
	e, fp := profileEnv(t)
	const marker = "internal-secret-7d1f"
	fp.tokenErr = fmt.Errorf("issue a token in tenant-a: %w",
		apierrors.NewGenericServerResponse(http.StatusInternalServerError, "post", schema.GroupResource{Resource: "serviceaccounts"}, "o2ims-smo", marker+" from 10.0.0.7", 0, true))
	r := e.do("GET", "sa-a-token", "/tenants/tenant-a"+inventory+"/v1/deploymentManagers/"+dmKnownID+"?profile=k8s", "")
	e.expect(r, http.StatusBadGateway, "a member that does not issue the token")
	if body := string(r.body); strings.Contains(body, marker) || strings.Contains(body, "10.0.0.7") || !strings.Contains(body, "HTTP 500") {
		t.Errorf("502 body: %s, want the class (HTTP 500) and nothing of the member's answer", body)
	}
}

// profileDataOf reads the profile of a deployment manager; the stored extensions are kept
// beside it when all_fields selected them.
func profileDataOf(t *testing.T, query string, body []byte) (string, map[string]any) {
	t.Helper()
	ext, _ := decodeObject(t, body)["extensions"].(map[string]any)
	data, _ := ext["profileData"].(map[string]any)
	name, _ := ext["profileName"].(string)
	if strings.Contains(query, "all_fields") != (ext["country"] == "CA") {
		t.Errorf("%s: stored extensions %v", query, ext)
	}
	return name, data
}

// TestProfileCredentialsPermission: the Kubernetes profile carries the endpoint and CA for
// every reader, and a token only for a caller holding get on deploymentmanagers/credentials in
// the manager's namespace; a caller holding it in another namespace gets exactly what a caller
// without it gets.
func TestProfileCredentialsPermission(t *testing.T) {
	e, fp := profileEnv(t)
	wantPublic := map[string]any{ProfileKeyEndpoint: "https://edge-1:6443", ProfileKeyCA: base64.StdEncoding.EncodeToString([]byte(fakeCA))}
	var public []string
	for _, tc := range []struct{ token, query, name string }{
		{"reader-token", "?profile=k8s", "k8s"},
		{"sa-b-token", "?profile=k8s", "k8s"},
		{"sa-b-token", "?profile=native_k8sapi", "native_k8sapi"},
		{"sa-b-token", "?all_fields", "k8s"},
		{"reader-token", "?all_fields", "k8s"},
	} {
		for _, v := range []string{"1", "2"} {
			r := e.do("GET", tc.token, inventory+"/v"+v+"/deploymentManagers/"+dmKnownID+tc.query, "")
			e.expect(r, 200, tc.token+tc.query)
			name, data := profileDataOf(t, tc.query, r.body)
			if name != tc.name || len(data) != len(wantPublic) || data[ProfileKeyEndpoint] != wantPublic[ProfileKeyEndpoint] || data[ProfileKeyCA] != wantPublic[ProfileKeyCA] {
				t.Errorf("%s v%s%s: profile %q %v, want %v", tc.token, v, tc.query, name, data, wantPublic)
			}
			if strings.Contains(string(r.body), fakeToken) {
				t.Errorf("%s v%s%s: a token without the permission: %s", tc.token, v, tc.query, r.body)
			}
			if tc.query == "?profile=k8s" {
				public = append(public, string(r.body))
			}
		}
	}
	// No hint: the permission held elsewhere changes nothing in the answer.
	if public[0] != public[2] {
		t.Errorf("reader and tenant-b differ:\n%s\n%s", public[0], public[2])
	}
	if len(fp.asked) != 0 {
		t.Errorf("tokens asked for callers without the permission: %v", fp.asked)
	}

	for _, q := range []string{"?profile=k8s", "?all_fields", "?profile=native_k8sapi&all_fields"} {
		r := e.do("GET", "sa-a-token", profileBase+dmKnownID+q, "")
		e.expect(r, 200, "tenant-a "+q)
		_, data := profileDataOf(t, q, r.body)
		if data[ProfileKeyToken] != fakeToken || data[ProfileKeyTokenExpiry] != "2030-01-02T03:04:05Z" ||
			data[ProfileKeyNamespace] != "tenant-a" || data[ProfileKeyServiceAccount] != "o2ims-smo" || data[ProfileKeyEndpoint] != "https://edge-1:6443" {
			t.Errorf("tenant-a %s: profileData %v", q, data)
		}
	}
	if strings.Join(fp.asked, ",") != "tenant-a,tenant-a,tenant-a" {
		t.Errorf("tokens asked for %v", fp.asked)
	}

	// Never in lists, nor in the default selection.
	for _, path := range []string{inventory + "/v1/deploymentManagers?all_fields", inventory + "/v2/deploymentManagers?all_fields", profileBase + dmKnownID} {
		r := e.do("GET", "sa-a-token", path, "")
		e.expect(r, 200, path)
		if strings.Contains(string(r.body), fakeToken) || strings.Contains(string(r.body), "profileData") {
			t.Errorf("%s: %s", path, r.body)
		}
	}
	e.expectQueryProblem(e.do("GET", "sa-a-token", inventory+"/v1/deploymentManagers?profile=k8s", ""), "profile", "list with profile")
}

// TestProfileShape: unsupported profiles and managers without a known cluster are 404
// ProblemDetails for ?profile; all_fields then serves the document as stored.
func TestProfileShape(t *testing.T) {
	e, _ := profileEnv(t)
	r := e.do("GET", "sa-a-token", profileBase+dmKnownID+"?profile=sol018", "")
	e.expect(r, 404, "unsupported profile")
	r = e.do("GET", "sa-a-token", profileBase+dmID+"?profile=k8s", "")
	e.expect(r, 404, "unknown cluster")
	r = e.do("GET", "sa-a-token", profileBase+dmID+"?all_fields", "")
	e.expect(r, 200, "unknown cluster all_fields")
	if strings.Contains(string(r.body), "profile") {
		t.Errorf("profile for an unknown cluster: %s", r.body)
	}
	// profileData keys: the CA only when known, no token keys without a token.
	data := ProfileData(&ClusterAccess{Endpoint: "https://x"})
	if len(data) != 1 || data[ProfileKeyEndpoint] != "https://x" {
		t.Errorf("profileData without CA: %v", data)
	}
}

// TestProfileSuiteKeys: with ProfileSuiteKeys the compliance suite's admin-style keys are there
// for every reader of the profile, empty for the certificate and key whoever asks, admin_user
// naming the token's ServiceAccount only beside a token; without it they are absent.
func TestProfileSuiteKeys(t *testing.T) {
	e, _ := profileEnv(t)
	r := e.do("GET", "sa-a-token", profileBase+dmKnownID+"?profile=k8s", "")
	e.expect(r, 200, "without the flag")
	if _, data := profileDataOf(t, "?profile=k8s", r.body); data[SuiteKeyAdminUser] != nil || data[SuiteKeyAdminClientCert] != nil {
		t.Errorf("suite keys without the flag: %v", data)
	}

	e, _ = profileEnv(t, func(c *Config) { c.ProfileSuiteKeys = true })
	for _, tc := range []struct{ token, user string }{
		{"reader-token", ""},
		{"sa-b-token", ""},
		{"sa-a-token", "system:serviceaccount:tenant-a:o2ims-smo"},
	} {
		for _, v := range []string{"1", "2"} {
			for _, q := range []string{"?profile=native_k8sapi", "?all_fields"} {
				r := e.do("GET", tc.token, inventory+"/v"+v+"/deploymentManagers/"+dmKnownID+q, "")
				e.expect(r, 200, tc.token+q)
				_, data := profileDataOf(t, q, r.body)
				for _, k := range []string{SuiteKeyAdminUser, SuiteKeyAdminClientCert, SuiteKeyAdminClientKey} {
					if _, ok := data[k].(string); !ok {
						t.Errorf("%s v%s%s: %s missing: %v", tc.token, v, q, k, data)
					}
				}
				if data[SuiteKeyAdminUser] != tc.user || data[SuiteKeyAdminClientCert] != "" || data[SuiteKeyAdminClientKey] != "" {
					t.Errorf("%s v%s%s: suite keys %v, want admin_user %q and no certificate", tc.token, v, q, data, tc.user)
				}
				if (tc.user != "") != (data[ProfileKeyToken] == fakeToken) {
					t.Errorf("%s v%s%s: admin_user without its token, or the reverse: %v", tc.token, v, q, data)
				}
			}
		}
	}
	// Still never in lists.
	r = e.do("GET", "sa-a-token", inventory+"/v1/deploymentManagers?all_fields", "")
	e.expect(r, 200, "list")
	if strings.Contains(string(r.body), SuiteKeyAdminUser) || strings.Contains(string(r.body), fakeToken) {
		t.Errorf("suite keys in a list: %s", r.body)
	}
}

// TestRegressionAllFieldsSurvivesProfileFailure: all_fields on a deployment manager adds the
// Kubernetes profile without being asked for it. When the profile could not be made (the member
// refuses to issue the caller's token, or no credentials are offered for the tenant), the whole
// GET failed with the profile's error (502, 403) while the plain GET of the same manager was a
// 200: a member cluster's trouble made a readable object unreadable. Asked for explicitly, the
// profile's error is still the answer.
func TestRegressionAllFieldsSurvivesProfileFailure(t *testing.T) {
	e, fp := profileEnv(t)
	path := "/tenants/tenant-a" + inventory + "/v1/deploymentManagers/" + dmKnownID
	for _, tokenErr := range []error{
		errors.New("issue a token in tenant-a: member unreachable"),
		errors.Join(ErrCredentialsNotOffered, errors.New("not offered")),
	} {
		fp.tokenErr = tokenErr
		e.expect(e.do("GET", "sa-a-token", path, ""), 200, "plain GET")
		r := e.do("GET", "sa-a-token", path+"?all_fields", "")
		e.expect(r, 200, "GET ?all_fields while the profile cannot be made: "+tokenErr.Error())
		if strings.Contains(string(r.body), "profileData") {
			t.Errorf("profileData in an answer whose profile could not be made: %s", r.body)
		}
		if r := e.do("GET", "sa-a-token", path+"?profile=k8s", ""); r.status == 200 {
			t.Errorf("GET ?profile=k8s while the profile cannot be made: 200 %s, want its error", r.body)
		}
	}
}
