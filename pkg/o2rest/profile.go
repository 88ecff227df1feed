package o2rest

import (
	"context"
	"encoding/base64"
	"errors"
	"maps"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/netclass"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
)

// The Kubernetes profile of O2dms on a deployment manager (docs/o2ims.md): extensions.profileName
// and extensions.profileData with these keys.
const (
	ProfileK8s = "k8s"
	// ProfileNativeK8sAPI is the name the O-RAN SC compliance suite (INF/PT) asks for.
	ProfileNativeK8sAPI = "native_k8sapi"

	ProfileKeyEndpoint       = "cluster_api_endpoint"
	ProfileKeyCA             = "cluster_ca_cert"
	ProfileKeyToken          = "token"
	ProfileKeyTokenExpiry    = "token_expiration"
	ProfileKeyNamespace      = "namespace"
	ProfileKeyServiceAccount = "service_account"
)

// ErrCredentialsNotOffered wraps a ClusterProfiles error saying the operator offers no
// credentials for the caller's tenant namespace in that cluster: a 403 naming why, since the
// caller already holds the credentials permission.
var ErrCredentialsNotOffered = errors.New("credentials not offered")

// ErrNamespaceMissing wraps a ClusterProfiles error saying the caller's tenant namespace does
// not exist in that cluster: the cluster answered, so a 502 says that, not that it is
// unreachable (the caller named the namespace and holds the credentials permission).
var ErrNamespaceMissing = errors.New("namespace missing")

// ClusterAccess is the cluster behind a deployment manager as the Kubernetes profile tells it.
type ClusterAccess struct {
	Endpoint string
	// CA is the PEM CA bundle of Endpoint, nil when unknown.
	CA []byte
	// Token, when set, authenticates as ServiceAccount in Namespace until Expiration.
	Token          string
	Expiration     time.Time
	Namespace      string
	ServiceAccount string
}

// ClusterProfiles answers the Kubernetes profile of deployment managers (pkg/k8sprofile).
type ClusterProfiles interface {
	// Profile returns dm's cluster, with a token for namespace when namespace is set; ok is
	// false for a deployment manager whose cluster netweave does not know.
	Profile(ctx context.Context, dm *v1alpha1.DeploymentManager, namespace string) (access *ClusterAccess, ok bool, err error)
}

// profileRequested reads which profile a GET of one object asks for: the profile parameter
// (deployment managers only), or all_fields, which on a deployment manager includes the
// profile as the compliance suite reads it (extensions.profileName, extensions.profileData).
// explicit reports that the parameter was given, so that a deployment manager without a known
// cluster is a 404 rather than the document without a profile.
func (h *handler) profileRequested(q query.Values, s *kindSpec) (name string, explicit bool, p *problem) {
	if s.kind != model.KindDeploymentManager {
		return "", false, nil
	}
	switch v := q.Profile(); {
	case q.Has(query.ParamProfile) && v != ProfileK8s && v != ProfileNativeK8sAPI:
		return "", false, newProblem(http.StatusNotFound, "profile "+v+" is not supported; netweave serves "+ProfileK8s+" (alias "+ProfileNativeK8sAPI+")").attr(query.ParamProfile, v)
	case v != "":
		return v, true, nil
	case q.AllFields():
		return ProfileK8s, false, nil
	}
	return "", false, nil
}

// withProfile returns doc with extensions.profileName and extensions.profileData of obj's
// cluster. Credentials (a token) are added only for a caller that may get
// deploymentmanagers/credentials in the manager's namespace and whose tenant namespace is known;
// everybody else gets the same keys as a caller without the permission, so nothing hints at
// permissions held elsewhere.
func (h *handler) withProfile(ctx context.Context, req request, sc *scope, s *kindSpec, obj runtime.Object, doc map[string]any, name string, explicit bool) (map[string]any, *problem) {
	dm, ok := obj.(*v1alpha1.DeploymentManager)
	if !ok || h.cfg.Profiles == nil {
		if explicit {
			return nil, noProfileProblem(name)
		}
		return doc, nil
	}
	namespace := ""
	if sc.mayReadCredentials(s, obj) {
		namespace = tenantNamespace(ctx, req)
		// The token acts in that namespace of the member, so the caller must hold the
		// credentials permission there as well, unless it is that namespace's own
		// ServiceAccount: the permission on the managers never widens by itself into edit
		// rights in the tenant's namespace.
		if namespace != "" && namespace != serviceAccountNamespace(ctx) && !h.mayReadCredentials(ctx, s.resource, namespace) {
			namespace = ""
		}
		// In the manager's own namespace (the inventory namespace) that question is the one
		// just answered: the grant every SMO holds there for its own namespace's tokens. A
		// token for that namespace, which the profile lets into every cluster, takes the
		// permission cluster-wide, unless the caller is that namespace's own ServiceAccount.
		if namespace != "" && namespace == namespaceOf(obj) && namespace != serviceAccountNamespace(ctx) && !h.mayReadCredentials(ctx, s.resource, "") {
			namespace = ""
		}
		if namespace == "" {
			klog.FromContext(ctx).V(2).Info("Credentials permission held but no tenant namespace known; profile without token", "deploymentManager", dm.Name)
		}
	}
	access, found, err := h.cfg.Profiles.Profile(ctx, dm, namespace)
	if err != nil && !explicit {
		// Only implied by all_fields: the document is readable whatever the member's state,
		// as without all_fields; the profile is left out, as for an unknown cluster.
		klog.FromContext(ctx).V(2).Info("Profile left out of an all_fields answer", "deploymentManager", dm.Name, "namespace", namespace, "err", err)
		return doc, nil
	}
	if err != nil {
		if errors.Is(err, ErrCredentialsNotOffered) {
			return nil, newProblem(http.StatusForbidden, "no credentials for namespace "+namespace+" in the cluster of deployment manager "+dm.Spec.DeploymentManagerID+": "+err.Error())
		}
		if errors.Is(err, ErrNamespaceMissing) {
			return nil, newProblem(http.StatusBadGateway, "could not issue credentials for namespace "+namespace+" in the cluster of deployment manager "+dm.Spec.DeploymentManagerID+
				": the namespace does not exist in that cluster")
		}
		if namespace != "" {
			// The member's kubeconfig may be a tenant's (a provisioned cluster's Secret): the
			// answer says how far the request got, the error (addresses, the body of an answer)
			// goes to the log only, as for the member's ClusterReachable condition.
			klog.FromContext(ctx).Info("Could not issue member credentials", "deploymentManager", dm.Name, "namespace", namespace, "err", err)
			return nil, newProblem(http.StatusBadGateway, "could not issue credentials for namespace "+namespace+" in the cluster of deployment manager "+dm.Spec.DeploymentManagerID+": "+netclass.APIServer(err))
		}
		return nil, internalProblem(err, "read the cluster of a deployment manager", "deploymentManager", dm.Name)
	}
	if !found {
		if explicit {
			return nil, noProfileProblem(name)
		}
		return doc, nil
	}
	out := maps.Clone(doc)
	ext, _ := doc["extensions"].(map[string]any)
	ext = maps.Clone(ext)
	if ext == nil {
		ext = map[string]any{}
	}
	ext["profileName"] = name
	data := ProfileData(access)
	if h.cfg.ProfileSuiteKeys {
		maps.Copy(data, SuiteProfileData(access))
	}
	ext["profileData"] = data
	out["extensions"] = ext
	return out, nil
}

func noProfileProblem(name string) *problem {
	return newProblem(http.StatusNotFound, "this deployment manager has no "+name+" profile: netweave knows no cluster behind it").attr(query.ParamProfile, name)
}

// ProfileData is the profileData of access: the endpoint and the CA (base64 of the PEM, as
// the compliance suite's examples carry it) always, the token keys only with a token.
func ProfileData(access *ClusterAccess) map[string]any {
	data := map[string]any{ProfileKeyEndpoint: access.Endpoint}
	if len(access.CA) > 0 {
		data[ProfileKeyCA] = base64.StdEncoding.EncodeToString(access.CA)
	}
	if access.Token != "" {
		data[ProfileKeyToken] = access.Token
		data[ProfileKeyTokenExpiry] = access.Expiration.UTC().Format(time.RFC3339)
		data[ProfileKeyNamespace] = access.Namespace
		data[ProfileKeyServiceAccount] = access.ServiceAccount
	}
	return data
}

// The compliance suite's (INF/PT DeploymentManagerGetDtoProfile) keys for an admin's client
// certificate. netweave never hands out a client certificate, and none of these keys can hold
// a bearer token, so they carry the safe equivalents (SuiteProfileData).
const (
	SuiteKeyAdminUser       = "admin_user"
	SuiteKeyAdminClientCert = "admin_client_cert"
	SuiteKeyAdminClientKey  = "admin_client_key"
)

// SuiteProfileData is the compliance suite's admin-style keys for access: admin_user is the
// user the profile's token authenticates as (the ServiceAccount's username), empty without a
// token; admin_client_cert and admin_client_key are always empty. A suite that checks the keys
// are present strings passes; a client that would build a kubeconfig from a certificate finds
// none and must use the token. An admin certificate is never put here, whatever the caller
// may do.
func SuiteProfileData(access *ClusterAccess) map[string]any {
	user := ""
	if access.Token != "" {
		user = serviceaccount.MakeUsername(access.Namespace, access.ServiceAccount)
	}
	return map[string]any{SuiteKeyAdminUser: user, SuiteKeyAdminClientCert: "", SuiteKeyAdminClientKey: ""}
}

// tenantNamespace is the caller's tenant namespace: the tenant apiRoot's, else the namespace
// of the caller's ServiceAccount; "" for other callers on the default apiRoot.
func tenantNamespace(ctx context.Context, req request) string {
	if req.tenant != "" {
		return req.tenant
	}
	return serviceAccountNamespace(ctx)
}

// serviceAccountNamespace is the namespace of the caller's ServiceAccount; "" for other callers.
func serviceAccountNamespace(ctx context.Context) string {
	u := userFrom(ctx)
	if u == nil {
		return ""
	}
	ns, _, err := serviceaccount.SplitUsername(u.GetName())
	if err != nil {
		return ""
	}
	return ns
}
