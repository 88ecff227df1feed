package kindtest

import (
	"context"
	"errors"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
)

// SecretReaders is an authorizer for checks of who may read a Secret: Reader may get the
// Secret Secret in Namespace, user "broken" makes every question fail, and nobody else may
// do anything. Every question is recorded in Asked.
type SecretReaders struct {
	Reader, Namespace, Secret string
	Asked                     []authorizer.Attributes
}

// Authorize implements authorizer.Authorizer.
func (s *SecretReaders) Authorize(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	s.Asked = append(s.Asked, a)
	switch {
	case a.GetUser().GetName() == "broken":
		return authorizer.DecisionNoOpinion, "", errors.New("SubjectAccessReview failed")
	case a.GetUser().GetName() == s.Reader && a.GetVerb() == "get" && a.GetAPIGroup() == "" && a.GetResource() == "secrets" &&
		a.GetSubresource() == "" && a.GetNamespace() == s.Namespace && a.GetName() == s.Secret:
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionNoOpinion, "", nil
}

// RequestIn is the context of a request in namespace ns by user name ("" for a request without
// a user).
func RequestIn(ns, name string) context.Context {
	ctx := genericapirequest.WithNamespace(context.Background(), ns)
	if name == "" {
		return ctx
	}
	return genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: name})
}
