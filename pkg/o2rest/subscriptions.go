package o2rest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
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

// subscriptionRequest is the POST body, the same for every subscription kind. The id
// attribute (subscriptionId, alarmSubscriptionId) is read-only: the server assigns it.
type subscriptionRequest struct {
	Callback               string
	ConsumerSubscriptionID string
	Filter                 string
}

// createSubscription serves a POST on a subscription collection of kind.
func (h *handler) createSubscription(kind model.Kind) apiFunc {
	sk := subscriptionKinds[kind]
	return func(r *http.Request) (*answer, *problem) {
		req, s, p := h.spec(r, kind)
		if p != nil {
			return nil, p
		}
		ns := req.tenant
		if ns == "" {
			ns = h.cfg.SubscriptionNamespace
		}
		ctx := r.Context()
		caller := userFrom(ctx)
		// Authorisation first, as the API server authorises before it reads a body: a caller
		// who may not create here gets 403 whatever it sent, and the body's checks, the
		// duplicate check and the callback's DNS lookups below answer (or cost) nothing for it.
		// The create itself is still judged again, as the caller, by the API server.
		allowed, err := h.access.allowed(ctx, "create", s.resource, ns, "")
		if err != nil {
			return nil, authorizerProblem(err)
		}
		if !allowed {
			return nil, newProblem(http.StatusForbidden, "not allowed to create "+s.resource)
		}
		// A write takes no query (parseQuery).
		if _, p := parseQuery(r); p != nil {
			return nil, p
		}
		body, p := decodeSubscription(r, kind, req.version)
		if p != nil {
			return nil, p
		}
		shared := ns == h.cfg.SubscriptionNamespace
		name, err := subscriptionName(shared, body.Callback)
		if err != nil {
			return nil, internalProblem(err, "create the subscription")
		}
		// Concurrent POSTs of one callback by one caller on this replica are made one after
		// the other, so the second finds the first below (in a tenant namespace the name,
		// derived from the callback, also makes the API server refuse the second).
		lockKey := strings.Join([]string{string(kind), ns, caller.GetName(), body.Callback}, "\x00")
		unlock, err := h.subscribeLocks.lock(ctx, lockKey)
		if err != nil {
			return nil, cancelledProblem(err)
		}
		defer unlock()
		// One subscription per callback and tenant (per subscriber on the shared namespace, so
		// SMOs cannot learn of each other's callbacks): a second one would deliver every
		// notification twice. 409 Conflict, not the 400 some implementations return: the
		// request is well-formed and conflicts with the current state, which is what 409 means
		// (RFC 9110) and what Kubernetes answers for an existing object. The existing id is
		// named only to a caller who may read that subscription.
		obj, found := h.duplicateSubscription(sk.source, ns, shared, caller, name, body.Callback)
		if !found && shared && h.cfg.FreshList != nil {
			// The informers may trail a create another replica answered a moment ago (an SMO's
			// retry reaching another replica): in the shared namespace nothing else refuses the
			// duplicate, so the store's current state is checked too.
			current, err := h.cfg.FreshList(ctx, s.resource)
			if err != nil {
				klog.V(2).InfoS("O2 subscription POST could not check the store for a duplicate", "resource", s.resource, "err", err)
				return nil, newProblem(http.StatusServiceUnavailable, "the inventory store cannot be read now; could not check for a subscription with this callback").setHeader("Retry-After", "1")
			}
			obj, found = findDuplicate(current, ns, shared, caller, name, body.Callback)
		}
		if found {
			conflict := newProblem(http.StatusConflict, "a subscription with this callback already exists")
			// A caller who may create but not get there still gets the 409 (its POST conflicts
			// all the same), without the id; only an authorizer that cannot answer fails it.
			sc, p := h.scopeFor(r, req, "get", s.resource)
			switch {
			case p != nil && p.status != http.StatusForbidden:
				return nil, p
			case p == nil && sc.sees(obj):
				conflict.attr(idAttribute(kind), subscriptionOf(obj).id)
			}
			return nil, conflict
		}
		if h.cfg.CallbackChecker != nil {
			if err := h.cfg.CallbackChecker.CheckURL(ctx, body.Callback); err != nil {
				return nil, newProblem(http.StatusBadRequest, err.Error())
			}
		}
		om := metav1.ObjectMeta{
			Name:      name,
			Namespace: ns,
			// The notifier sends documents of the version the subscription was made on. Who the
			// subscriber is, the API server records from the (impersonated) request itself, and
			// it assigns the id (pkg/registry/o2ims/subscription).
			Annotations: map[string]string{v1alpha1.AnnotationNotificationVersion: strconv.Itoa(req.version)},
		}
		client, err := h.clientAs(ctx)
		if err != nil {
			return nil, internalProblem(err, "create the subscription")
		}
		created, err := sk.create(ctx, client, om, body)
		if apierrors.IsAlreadyExists(err) {
			// The name the callback gives is taken: by a subscription made meanwhile, or by one
			// still being deleted (held by a finalizer), which the check above passed over.
			return nil, newProblem(http.StatusConflict, "a subscription with this callback already exists, or is still being deleted")
		}
		if err != nil {
			// Quota and policy refusals (403, 422) reach the SMO with their reason.
			p := apiProblem(err, "create the subscription")
			if ns == h.cfg.SubscriptionNamespace {
				p = sharedQuotaProblem(p)
			}
			return nil, p
		}
		id := subscriptionOf(created).id
		h.awaitCache(ctx, sk.source, id, present)
		doc, _ := s.document(created, req.apiRoot, related{})
		a := &answer{status: http.StatusCreated, doc: doc}
		return a.setHeader("Location", req.apiRoot+"/"+kind.APIName()+"/v"+strconv.Itoa(req.version)+"/"+collectionOf(kind)+"/"+id), nil
	}
}

// deleteSubscription serves a DELETE of one subscription of kind.
func (h *handler) deleteSubscription(kind model.Kind) apiFunc {
	sk := subscriptionKinds[kind]
	return func(r *http.Request) (*answer, *problem) {
		req, s, p := h.spec(r, kind)
		if p != nil {
			return nil, p
		}
		id := pathVars(r).get("id")
		obj, _, p := h.lookup(r, req, s, id)
		if p != nil {
			return nil, p
		}
		// A write takes no query (parseQuery).
		if _, p := parseQuery(r); p != nil {
			return nil, p
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			return nil, internalProblem(err, "delete the subscription")
		}
		client, err := h.clientAs(r.Context())
		if err != nil {
			return nil, internalProblem(err, "delete the subscription")
		}
		// The uid precondition makes sure we delete the object we looked up, not a namesake
		// created since.
		uid := m.GetUID()
		err = sk.delete(r.Context(), client, m.GetNamespace(), m.GetName(),
			metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, apiProblem(err, "delete the subscription")
		}
		h.awaitCache(r.Context(), sk.source, id, absent)
		// O2-IMS (and the compliance suite) answer a delete with 200 and no body.
		return &answer{status: http.StatusOK, noBody: true}, nil
	}
}

// decodeSubscription reads the POST body of a subscription of kind in version. Members are
// read one by one so that the read-only id is named when sent, and anything else unknown is
// refused.
func decodeSubscription(r *http.Request, kind model.Kind, version int) (*subscriptionRequest, *problem) {
	if p := checkMediaType(r, "application/json"); p != nil {
		return nil, p
	}
	members, p := decodeMembers(r, maxSubscriptionBody, "subscription")
	if p != nil {
		return nil, p
	}
	body := &subscriptionRequest{}
	for name, raw := range members {
		var dst *string
		switch name {
		case "callback":
			dst = &body.Callback
		case "consumerSubscriptionId":
			dst = &body.ConsumerSubscriptionID
		case "filter":
			dst = &body.Filter
		case idAttribute(kind):
			return nil, newProblem(http.StatusBadRequest, name+" is assigned by the server and must not be sent").attr("field", name)
		default:
			return nil, newProblem(http.StatusBadRequest, "unknown field "+name).attr("field", name)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return nil, newProblem(http.StatusBadRequest, name+" must be a string").attr("field", name)
		}
	}
	sk := subscriptionKinds[kind]
	if p := body.validate(sk.checkFilter, version, sk.freeConsumerID != nil && sk.freeConsumerID(version)); p != nil {
		return nil, p
	}
	return body, nil
}

// decodeMembers reads a body of at most limit bytes that must be one JSON object, and returns
// its members undecoded (readJSONObject).
func decodeMembers(r *http.Request, limit int64, what string) (map[string]json.RawMessage, *problem) {
	_, members, p := readJSONObject(r, limit, what)
	return members, p
}

// readJSONObject reads a body of at most limit bytes that must be one JSON object, and returns
// it and its members undecoded. Besides malformed JSON it refuses, each with its own problem:
//
//   - a body over limit (413, naming the limit), rather than the "unexpected EOF" a cut-off
//     read gives;
//   - bytes that are not UTF-8 (400): Go's decoder would store U+FFFD in place of a string's
//     bad bytes, silently changing what the client sent, and keep them verbatim inside the raw
//     members (templateParameters), where every strict JSON reader of the object then fails;
//   - a member name given twice, at any depth (400): the decoder keeps the last, while a
//     gateway or policy in front of netweave may judge the first, so one body would mean two
//     things.
func readJSONObject(r *http.Request, limit int64, what string) ([]byte, map[string]json.RawMessage, *problem) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, nil, newProblem(http.StatusBadRequest, "read the "+what+": "+err.Error())
	}
	if int64(len(body)) > limit {
		return nil, nil, newProblem(http.StatusRequestEntityTooLarge, "the "+what+" is larger than "+strconv.FormatInt(limit, 10)+" bytes")
	}
	if !utf8.Valid(body) {
		return nil, nil, newProblem(http.StatusBadRequest, "malformed "+what+": the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var members map[string]json.RawMessage
	if err := dec.Decode(&members); err != nil {
		return nil, nil, newProblem(http.StatusBadRequest, "malformed "+what+": "+err.Error())
	}
	if members == nil {
		return nil, nil, newProblem(http.StatusBadRequest, "malformed "+what+": the body must be a JSON object")
	}
	// Only white space may follow. (Decoder.More would not do: it reports a closing "]" or
	// "}" as the end of the input, so {...}] passed.)
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, newProblem(http.StatusBadRequest, "malformed "+what+": trailing data after the JSON object")
	}
	if path, dup := duplicateMember(body); dup {
		return nil, nil, newProblem(http.StatusBadRequest, "malformed "+what+": member "+path+" is given more than once").attr("field", path)
	}
	return body, members, nil
}

// duplicateMember finds the first object member named twice in the JSON document doc (known to
// be well-formed), and returns its path with "/" between the names (array indexes included).
// The path is kept as a stack of segments and joined only for the answer: a path string built
// at every level would keep one string per level alive, their lengths summing to depth²×name
// (gigabytes for a 1 MiB body nested 10000 deep under 100-byte names).
func duplicateMember(doc []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	var segments []string
	var walk func() bool
	walk = func() bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				t, err := dec.Token()
				if err != nil {
					return false
				}
				name, _ := t.(string)
				segments = append(segments, name)
				if seen[name] {
					return true
				}
				seen[name] = true
				if walk() {
					return true
				}
				segments = segments[:len(segments)-1]
			}
			_, _ = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				segments = append(segments, strconv.Itoa(i))
				if walk() {
					return true
				}
				segments = segments[:len(segments)-1]
			}
			_, _ = dec.Token()
		}
		return false
	}
	if walk() {
		return strings.Join(segments, "/"), true
	}
	return "", false
}

// validate checks what the O2 face must know before it acts on a subscription (resolves the
// callback, looks for a duplicate): the API server's own bounds included, so that a body it
// would refuse costs no lookup and is answered naming the O2 attribute.
func (b *subscriptionRequest) validate(checkFilter func(version int, filter string) error, version int, freeConsumerID bool) *problem {
	bad := func(field, msg string) *problem { return newProblem(http.StatusBadRequest, msg).attr("field", field) }
	if b.Callback == "" {
		return bad("callback", "callback is required")
	}
	if len(b.Callback) > validation.MaxURILength {
		return bad("callback", fmt.Sprintf("callback must be at most %d bytes", validation.MaxURILength))
	}
	u, err := url.Parse(b.Callback)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return bad("callback", fmt.Sprintf("callback %q must be an absolute http or https URI", b.Callback))
	}
	if len(b.ConsumerSubscriptionID) > validation.MaxIDLength {
		return bad("consumerSubscriptionId", fmt.Sprintf("consumerSubscriptionId must be at most %d characters", validation.MaxIDLength))
	}
	// The contract's uuid: stored as sent, it is echoed in every GET and notification, where a
	// client decoding a uuid-typed attribute would fail on the whole document (list). Any
	// version and case (the O-RAN SC compliance suite sends
	// "3F20D850-AF4F-A84F-FB5A-0AD585410361", whose version nibble is A), as for every O2 id.
	if b.ConsumerSubscriptionID != "" && !freeConsumerID && !validation.IsUUID(b.ConsumerSubscriptionID) {
		return bad("consumerSubscriptionId", fmt.Sprintf("consumerSubscriptionId %q must be a UUID (8-4-4-4-12 hexadecimal digits)", b.ConsumerSubscriptionID))
	}
	if len(b.Filter) > validation.MaxFilterLength {
		return bad("filter", fmt.Sprintf("filter must be at most %d bytes", validation.MaxFilterLength))
	}
	if b.Filter != "" {
		if err := checkFilter(version, b.Filter); err != nil {
			return bad("filter", fmt.Sprintf("invalid filter: %v", err))
		}
	}
	return nil
}

// subscriptionName names the object of a subscription to callback. In a tenant namespace it is
// derived from the callback, so that two concurrent POSTs of one callback cannot both win. In
// the shared namespace, where every SMO of the default apiRoot creates its subscriptions, it is
// random: a name derived from the subscriber and the callback can be computed by another SMO,
// which could then take it first with kubectl (the owner's POST answered 409 for good) or ask
// the API server whether it exists (a create answers AlreadyExists even for a subscription it
// hides), which tells whether that SMO subscribed that callback (regression:
// TestRegressionSharedSubscriptionNamesCannotBeTaken).
func subscriptionName(shared bool, callback string) (string, error) {
	if shared {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("name the subscription: %w", err)
		}
		return "o2-" + hex.EncodeToString(b), nil
	}
	sum := sha256.Sum256([]byte(callback))
	return "o2-" + hex.EncodeToString(sum[:10]), nil
}

// duplicateSubscription returns the subscription of kind in ns a POST of callback by caller
// would duplicate: in the shared namespace the caller's own subscription to callback, whatever
// its name; elsewhere the one called name with that callback (a subscription made with kubectl
// under another name is not a duplicate the POST could clash with, and an object with this
// name but another callback would be a hash collision).
func (h *handler) duplicateSubscription(kind source.Kind, ns string, shared bool, caller user.Info, name, callback string) (runtime.Object, bool) {
	existing, err := h.cfg.Source.List(kind, ns, nil)
	if err != nil {
		return nil, false
	}
	return findDuplicate(existing, ns, shared, caller, name, callback)
}

// findDuplicate is duplicateSubscription's check over existing (objects of other namespaces
// than ns are skipped).
func findDuplicate(existing []runtime.Object, ns string, shared bool, caller user.Info, name, callback string) (runtime.Object, bool) {
	for _, obj := range existing {
		if namespaceOf(obj) != ns {
			continue
		}
		sub := subscriptionOf(obj)
		// One being deleted is gone for its owner (kindSpec.gone): a new one may take its place.
		if sub.callback != callback || beingDeleted(obj) {
			continue
		}
		if shared && sub.subscriber != nil && tenancy.Owns(caller, sub.subscriber.Username, sub.subscriber.UID) {
			return obj, true
		}
		if !shared && sub.name == name {
			return obj, true
		}
	}
	return nil, false
}

// clientAs returns a client acting as the caller, so that RBAC, admission and audit see the
// caller and not netweave, and whose requests carry the O2 request's audit ID (withAuditID).
func (h *handler) clientAs(ctx context.Context) (versioned.Interface, error) {
	u := userFrom(ctx)
	if h.cfg.ClientFor != nil {
		return h.cfg.ClientFor(u)
	}
	cfg := rest.CopyConfig(h.cfg.ClientConfig)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: u.GetName(), UID: u.GetUID(), Groups: withoutAuthenticated(u.GetGroups()), Extra: u.GetExtra()}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return withAuditID{rt: rt} })
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

// awaitCache waits (bounded) until the translator's cache holds the object of kind with O2 id
// id in the state done accepts (obj is nil while the cache has none), so the caller reads its
// own write.
func (h *handler) awaitCache(ctx context.Context, kind source.Kind, id string, done func(obj runtime.Object) bool) {
	_ = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, cacheWait, true, func(context.Context) (bool, error) {
		obj, _ := h.cfg.Source.Get(kind, id)
		return done(obj), nil
	})
}

func present(obj runtime.Object) bool { return obj != nil }
func absent(obj runtime.Object) bool  { return obj == nil }

// apiProblem turns an error of the Kubernetes API into the matching O2 problem.
func apiProblem(err error, what string) *problem {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return internalProblem(err, what)
	}
	st := status.Status()
	code := int(st.Code)
	switch {
	case apierrors.IsInvalid(err) && isPolicyDenial(st):
		return newProblem(http.StatusUnprocessableEntity, st.Message)
	case apierrors.IsInvalid(err):
		return newProblem(http.StatusBadRequest, st.Message)
	case code == http.StatusForbidden || code == http.StatusUnauthorized || code == http.StatusNotFound || code == http.StatusConflict:
		return newProblem(code, st.Message)
	case code == http.StatusInsufficientStorage:
		// The store's message names its keys; the SMO needs to know nothing was written.
		klog.ErrorS(err, "O2 write refused by the store", "op", what)
		return newProblem(code, "could not "+what+": the inventory store cannot take more writes (it is full or cannot persist); nothing was written")
	case code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests:
		// Refused before it was applied and safe to send again: say when, as the API did.
		klog.V(2).InfoS("O2 write refused for now", "op", what, "err", err)
		retry := 1
		if st.Details != nil && st.Details.RetryAfterSeconds > 0 {
			retry = int(st.Details.RetryAfterSeconds)
		}
		detail := "could not " + what + ": the inventory store refused it for now; nothing was written"
		if code == http.StatusTooManyRequests {
			detail = "could not " + what + ": too many requests; try again later"
		}
		return newProblem(code, detail).setHeader("Retry-After", strconv.Itoa(retry))
	case code >= 400 && code < 500:
		// Any other refusal of the request itself (400 from an admission webhook, 413 from
		// a ValidatingAdmissionPolicy whose reason is RequestEntityTooLarge, 422 with another
		// reason) is the caller's to fix: say it as the API did, not as a server fault.
		return newProblem(code, st.Message)
	default:
		return internalProblem(err, what)
	}
}
