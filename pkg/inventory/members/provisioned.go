package members

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// Provisioning reads what a tenant's registration depends on, in the Secret's namespace: the
// ProvisioningRequest its member name ends in and the Cluster of that name. Each answers nil
// (and no error) for an object that does not exist. The members manager reads its informers;
// a replica that does not run it (the Kubernetes profile) reads the API servers (Live).
type Provisioning struct {
	Request func(ctx context.Context, namespace, name string) (*v1alpha1.ProvisioningRequest, error)
	Cluster func(ctx context.Context, namespace, name string) (*clusterv1.Cluster, error)
}

// LiveProvisioning reads requests through o2 (netweave's own API) and Clusters through dyn.
func LiveProvisioning(o2 versioned.Interface, dyn dynamic.Interface) Provisioning {
	return Provisioning{
		Request: func(ctx context.Context, namespace, name string) (*v1alpha1.ProvisioningRequest, error) {
			req, err := o2.O2imsV1alpha1().ProvisioningRequests(namespace).Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil, nil
			}
			return req, err
		},
		Cluster: func(ctx context.Context, namespace, name string) (*clusterv1.Cluster, error) {
			u, err := dyn.Resource(clusterapi.Clusters).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return clusterapi.ClusterFrom(u)
		},
	}
}

// NotBuilt says why reg, a tenant's registration, registers no member ("" when it does): its
// Secret registers only the cluster the provisioning controller built for one of the tenant's
// requests, never a kubeconfig of the tenant's choosing under a well-formed name
// (notBuiltReason). A request being deleted still exists until its teardown ends. reg must
// have passed RegistrationOf with OriginTenant (its name ends in a request's id).
func (p Provisioning) NotBuilt(ctx context.Context, reg Registration) (string, error) {
	if p.Request == nil || p.Cluster == nil {
		return "no way to read its provisioning request and Cluster", nil
	}
	if !provisionedIn(reg.SecretNamespace, reg.Name) {
		return "it names no cluster provisioned there", nil
	}
	id := reg.Name[len(reg.Name)-uuidLength:]
	req, err := p.Request(ctx, reg.SecretNamespace, id)
	if err != nil {
		return "", fmt.Errorf("get provisioning request %s/%s: %w", reg.SecretNamespace, id, err)
	}
	cluster, err := p.Cluster(ctx, reg.SecretNamespace, reg.Name)
	if err != nil {
		return "", fmt.Errorf("get cluster %s/%s: %w", reg.SecretNamespace, reg.Name, err)
	}
	return notBuiltReason(reg, req, cluster), nil
}

// MadeFor reports whether c carries the marks of a Cluster the provisioning controller
// created for a request named name in c's namespace, whichever uid that request had.
func MadeFor(c *clusterv1.Cluster, name string) bool {
	return c.Labels[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByProvisioning &&
		c.Labels[v1alpha1.LabelProvisioningRequest] == name
}

// BuiltFor reports whether c is the Cluster the provisioning controller created for req (or
// adopted into it): the controller changes and deletes no other Cluster, and a tenant's
// kubeconfig Secret registers no other member.
func BuiltFor(c *clusterv1.Cluster, req *v1alpha1.ProvisioningRequest) bool {
	return MadeFor(c, req.Name) && c.Labels[v1alpha1.LabelProvisioningRequestUID] == string(req.UID)
}

// notBuiltReason says why reg, a tenant's registration, is not the kubeconfig of the cluster
// the provisioning controller built for the request req ("" when it is): cluster must be the
// Cluster of reg's name in reg's namespace (nil when there is none), built for req, and the
// kubeconfig must name the API server Cluster API recorded for it
// (spec.controlPlaneEndpoint).
//
// A tenant writes Secrets in its own namespace; Cluster API's kubeconfig Secret is one of
// them, so its name alone proves nothing: before Cluster API writes the real one, or by
// rewriting it, a tenant could register an API server it runs as a member of the operator's
// inventory (its nodes the O-Cloud's Resources, its DeploymentManager probed by netweave, its
// alarms raised on the O-Cloud). The Cluster is not the tenant's to write (netweave's and
// Cluster API's controllers do), so its endpoint says which server the member is.
func notBuiltReason(reg Registration, req *v1alpha1.ProvisioningRequest, cluster *clusterv1.Cluster) string {
	switch {
	case req == nil:
		return "no provisioning request of its id there"
	case cluster == nil:
		return "no Cluster of its name there"
	case !BuiltFor(cluster, req):
		return "its Cluster was not built for the provisioning request of its id"
	}
	ep := cluster.Spec.ControlPlaneEndpoint
	if ep.Host == "" || ep.Port == 0 {
		return "its Cluster has no control plane endpoint yet"
	}
	server, err := EndpointOf(reg.Kubeconfig)
	if err != nil {
		return err.Error()
	}
	if !strings.EqualFold(server.Host, strings.Trim(ep.Host, "[]")) || server.Port != ep.Port {
		return "its kubeconfig does not name its Cluster's control plane endpoint"
	}
	return ""
}

// EndpointOf returns the API server a kubeconfig's current context reaches as a Cluster API
// endpoint: Cluster API's kubeconfigs name https://<spec.controlPlaneEndpoint>, nothing more
// (a path, say, would reach another server behind the same address: a proxy's).
func EndpointOf(kubeconfig []byte) (clusterv1.APIEndpoint, error) {
	rc, err := parseKubeconfig(kubeconfig)
	if err != nil {
		return clusterv1.APIEndpoint{}, err
	}
	u, err := url.Parse(rc.Host)
	if err != nil {
		return clusterv1.APIEndpoint{}, fmt.Errorf("parse kubeconfig server: %w", err)
	}
	if u.Scheme != "https" || u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return clusterv1.APIEndpoint{}, errors.New("its kubeconfig server is not https://host[:port]")
	}
	port := 443
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return clusterv1.APIEndpoint{}, errors.New("its kubeconfig server has an invalid port")
		}
	}
	return clusterv1.APIEndpoint{Host: u.Hostname(), Port: int32(port)}, nil
}
