package tenancy

import (
	"context"
	"fmt"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// Request is a resource request to authorize, of o2ims.oran.org unless Group names another
// of netweave's groups (o2dms.oran.org): what the equivalent kubectl request would be asked.
// Every group netweave serves is at version v1alpha1.
type Request struct {
	Verb, Resource, Subresource, Namespace, Name string
	// Group is the API group; "" is o2ims.oran.org.
	Group string
}

// Allowed asks authz whether u may make req, as the Kubernetes face would ask it. An error
// comes back only with a refusal: an authorizer that allows and also reports an error (a
// union where one member failed) has allowed.
func Allowed(ctx context.Context, authz authorizer.Authorizer, u user.Info, req Request) (bool, error) {
	group := req.Group
	if group == "" {
		group = v1alpha1.GroupName
	}
	decision, _, err := authz.Authorize(ctx, authorizer.AttributesRecord{
		User:            u,
		Verb:            req.Verb,
		APIGroup:        group,
		APIVersion:      v1alpha1.SchemeGroupVersion.Version,
		Resource:        req.Resource,
		Subresource:     req.Subresource,
		Namespace:       req.Namespace,
		Name:            req.Name,
		ResourceRequest: true,
	})
	if decision == authorizer.DecisionAllow {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("authorize %s %s in %q: %w", req.Verb, req.Resource, req.Namespace, err)
	}
	return false, nil
}
