package o2rest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/query"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
	"github.com/netweave-io/netweave/pkg/tenancy"
)

// maxSubscriptionBody bounds what a POST may send; a subscription is a few hundred bytes.
const maxSubscriptionBody = 64 << 10

// cacheWait bounds how long a write waits for the translator's own cache to show it, so the
// caller's next GET sees what it just created or deleted.
const cacheWait = 2 * time.Second

// CallbackChecker refuses callback URLs the notifier would not deliver to
// (notify.CallbackPolicy).
type CallbackChecker interface {
	CheckURL(ctx context.Context, callback string) error
}

// subscriptionRequest is the POST body. subscriptionId is read-only: the server assigns it.
type subscriptionRequest struct {
	Callback               string  `json:"callback"`
	ConsumerSubscriptionID string  `json:"consumerSubscriptionId,omitempty"`
	Filter                 string  `json:"filter,omitempty"`
	SubscriptionID         *string `json:"subscriptionId,omitempty"`
}

func (h *handler) createSubscription(r *http.Request) (*answer, *problem) {
	req, s, p := h.spec(r, model.KindSubscription)
	if p != nil {
		return nil, p
	}
	body, p := decodeSubscription(r)
	if p != nil {
		return nil, p
	}
	ns := req.tenant
	if ns == "" {
		ns = h.cfg.SubscriptionNamespace
	}
	ctx := r.Context()
	caller := userFrom(ctx)
	// Authorisation first: the duplicate check and the callback's DNS lookups below must not
	// answer (or cost anything for) a caller who may not create here at all. The create itself
	// is still judged again, as the caller, by the API server.
	allowed, err := h.access.allowed(ctx, "create", tenancy.SubscriptionsResource, ns, "")
	if err != nil {
		return nil, internalProblem(err, "authorize the request")
	}
	if !allowed {
		return nil, newProblem(http.StatusForbidden, "not allowed to create subscriptions")
	}
	name := subscriptionName(ns == h.cfg.SubscriptionNamespace, caller, body.Callback)
	// One subscription per callback and tenant (per subscriber on the shared namespace, whose
	// names include the subscriber, so SMOs cannot learn of each other's callbacks): a second
	// one would deliver every notification twice. 409 Conflict, not the 400 some
	// implementations return: the request is well-formed and conflicts with the current
	// state, which is what 409 means (RFC 9110) and what Kubernetes answers for an existing
	// object. The existing id is named only to a caller who may read that subscription.
	if obj, found := h.subscriptionNamed(ns, name, body.Callback); found {
		conflict := newProblem(http.StatusConflict, "a subscription with this callback already exists")
		sc, p := h.scopeFor(r, req, "get", tenancy.SubscriptionsResource)
		if p != nil {
			return nil, p
		}
		if sc.sees(obj) {
			conflict.attr("subscriptionId", obj.Spec.SubscriptionID)
		}
		return nil, conflict
	}
	if h.cfg.CallbackChecker != nil {
		if err := h.cfg.CallbackChecker.CheckURL(ctx, body.Callback); err != nil {
			return nil, newProblem(http.StatusBadRequest, err.Error())
		}
	}
	sub := &v1alpha1.InventorySubscription{
		ObjectMeta: metav1.ObjectMeta{
			// Named after the callback (and subscriber), so two concurrent POSTs of one callback
			// cannot both win.
			Name:      name,
			Namespace: ns,
			// The notifier sends documents of the version the subscription was made on. Who the
			// subscriber is, the API server records from the (impersonated) request itself.
			Annotations: map[string]string{v1alpha1.AnnotationNotificationVersion: strconv.Itoa(req.version)},
		},
		// subscriptionId is left to the server, which assigns every subscription id a
		// non-superuser creates (pkg/registry/o2ims/inventorysubscription).
		Spec: v1alpha1.InventorySubscriptionSpec{
			ConsumerSubscriptionID: body.ConsumerSubscriptionID,
			Filter:                 body.Filter,
			Callback:               body.Callback,
		},
	}
	client, err := h.clientAs(ctx)
	if err != nil {
		return nil, internalProblem(err, "create the subscription")
	}
	created, err := client.O2imsV1alpha1().InventorySubscriptions(ns).Create(ctx, sub, metav1.CreateOptions{})
	if err != nil {
		return nil, apiProblem(err, "create the subscription")
	}
	h.awaitCache(ctx, created.Spec.SubscriptionID, true)
	doc, _ := s.document(created, req.apiRoot, related{})
	a := &answer{status: http.StatusCreated, doc: doc}
	return a.setHeader("Location", req.apiRoot+"/"+model.APIName+"/v"+strconv.Itoa(req.version)+"/subscriptions/"+created.Spec.SubscriptionID), nil
}

func (h *handler) deleteSubscription(r *http.Request) (*answer, *problem) {
	req, s, p := h.spec(r, model.KindSubscription)
	if p != nil {
		return nil, p
	}
	id := mux.Vars(r)["id"]
	obj, _, p := h.lookup(r, req, s, id)
	if p != nil {
		return nil, p
	}
	sub := obj.(*v1alpha1.InventorySubscription)
	client, err := h.clientAs(r.Context())
	if err != nil {
		return nil, internalProblem(err, "delete the subscription")
	}
	// The uid precondition makes sure we delete the object we looked up, not a namesake
	// created since.
	err = client.O2imsV1alpha1().InventorySubscriptions(sub.Namespace).Delete(r.Context(), sub.Name,
		metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &sub.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, apiProblem(err, "delete the subscription")
	}
	h.awaitCache(r.Context(), id, false)
	// O2-IMS (and the compliance suite) answer a delete with 200 and no body.
	return &answer{status: http.StatusOK, noBody: true}, nil
}

func decodeSubscription(r *http.Request) (*subscriptionRequest, *problem) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, newProblem(http.StatusBadRequest, "the body must be application/json")
		}
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxSubscriptionBody))
	dec.DisallowUnknownFields()
	body := &subscriptionRequest{}
	if err := dec.Decode(body); err != nil {
		return nil, newProblem(http.StatusBadRequest, "malformed subscription: "+err.Error())
	}
	if dec.More() {
		return nil, newProblem(http.StatusBadRequest, "malformed subscription: trailing data after the JSON object")
	}
	if err := body.validate(); err != nil {
		return nil, newProblem(http.StatusBadRequest, err.Error())
	}
	return body, nil
}

func (b *subscriptionRequest) validate() error {
	if b.SubscriptionID != nil {
		return errors.New("subscriptionId is assigned by the server and must not be sent")
	}
	if b.Callback == "" {
		return errors.New("callback is required")
	}
	u, err := url.Parse(b.Callback)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("callback %q must be an absolute http or https URI", b.Callback)
	}
	if len(b.ConsumerSubscriptionID) > 253 {
		return errors.New("consumerSubscriptionId must be at most 253 characters")
	}
	if b.Filter != "" {
		if _, err := query.ParseFilter(b.Filter); err != nil {
			return fmt.Errorf("invalid filter: %w", err)
		}
	}
	return nil
}

// subscriptionName derives the object name from the callback, and on the shared namespace from
// the subscriber too.
func subscriptionName(shared bool, u user.Info, callback string) string {
	h := sha256.New()
	if shared {
		h.Write([]byte(u.GetName()))
		h.Write([]byte{0})
	}
	h.Write([]byte(callback))
	return "o2-" + hex.EncodeToString(h.Sum(nil)[:10])
}

// subscriptionNamed returns the subscription called name in ns if it has callback (a
// subscription made with kubectl under another name is not a duplicate the POST could clash
// with, and an object with this name but another callback would be a hash collision).
func (h *handler) subscriptionNamed(ns, name, callback string) (*v1alpha1.InventorySubscription, bool) {
	existing, err := h.cfg.Source.List(source.InventorySubscription, ns, nil)
	if err != nil {
		return nil, false
	}
	for _, obj := range existing {
		if sub := obj.(*v1alpha1.InventorySubscription); sub.Name == name && sub.Spec.Callback == callback {
			return sub, true
		}
	}
	return nil, false
}

// clientAs returns a client acting as the caller, so that RBAC, admission and audit see the
// caller and not netweave.
func (h *handler) clientAs(ctx context.Context) (versioned.Interface, error) {
	u := userFrom(ctx)
	if h.cfg.ClientFor != nil {
		return h.cfg.ClientFor(u)
	}
	cfg := rest.CopyConfig(h.cfg.ClientConfig)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: u.GetName(), UID: u.GetUID(), Groups: withoutAuthenticated(u.GetGroups()), Extra: u.GetExtra()}
	return versioned.NewForConfig(cfg)
}

// withoutAuthenticated drops system:authenticated, which impersonation adds by itself.
func withoutAuthenticated(groups []string) []string {
	out := make([]string, 0, len(groups))
	for _, g := range groups {
		if g != user.AllAuthenticated {
			out = append(out, g)
		}
	}
	return out
}

// awaitCache waits (bounded) until the translator's cache shows (present) or no longer shows
// the subscription, so the caller reads its own write.
func (h *handler) awaitCache(ctx context.Context, id string, present bool) {
	_ = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, cacheWait, true, func(context.Context) (bool, error) {
		_, found := h.cfg.Source.Get(source.InventorySubscription, id)
		return found == present, nil
	})
}

// apiProblem turns an error of the Kubernetes API into the matching O2 problem.
func apiProblem(err error, what string) *problem {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return internalProblem(err, what)
	}
	st := status.Status()
	code := int(st.Code)
	switch {
	case apierrors.IsAlreadyExists(err):
		return newProblem(http.StatusConflict, "a subscription with this callback already exists")
	case apierrors.IsInvalid(err):
		return newProblem(http.StatusBadRequest, st.Message)
	case code == http.StatusForbidden || code == http.StatusUnauthorized || code == http.StatusNotFound || code == http.StatusConflict:
		return newProblem(code, st.Message)
	default:
		return internalProblem(err, what)
	}
}
