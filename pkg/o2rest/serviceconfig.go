package o2rest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/source"
)

// serviceConfigurationName is the name of the cluster-scoped AlarmServiceConfiguration
// singleton.
const serviceConfigurationName = "default"

var serviceConfigurationResource = model.KindAlarmServiceConfiguration.KubernetesResource()

// serviceConfiguration returns the stored singleton, or nil when none is stored yet (the alarm
// service then runs with the defaults, which GET shows).
func (h *handler) serviceConfiguration() *v1alpha1.AlarmServiceConfiguration {
	objs, err := h.cfg.Source.List(source.AlarmServiceConfiguration, "", nil)
	if err != nil {
		return nil
	}
	for _, obj := range objs {
		if c := obj.(*v1alpha1.AlarmServiceConfiguration); c.Name == serviceConfigurationName {
			return c
		}
	}
	return nil
}

// getServiceConfiguration serves the configuration to any caller allowed to get the singleton,
// whichever apiRoot it uses: it is the O-Cloud's, not a tenant's.
func (h *handler) getServiceConfiguration(r *http.Request) (*answer, *problem) {
	if _, p := h.parse(r); p != nil {
		return nil, p
	}
	if _, p := parseQuery(r); p != nil {
		return nil, p
	}
	if p := h.mayConfigure(r.Context(), "get"); p != nil {
		return nil, p
	}
	c := h.serviceConfiguration()
	a := okJSON(h.serviceConfigurationDoc(r.Context(), c))
	if c != nil {
		a.setHeader("ETag", etag(c))
	}
	return a, nil
}

// putServiceConfiguration replaces the configuration.
func (h *handler) putServiceConfiguration(r *http.Request) (*answer, *problem) {
	return h.writeServiceConfiguration(r, "application/json", func(_ []byte, body []byte) ([]byte, error) { return body, nil })
}

// patchServiceConfiguration merges a JSON merge patch (RFC 7386) into the configuration as GET
// shows it; the result is then held to the same rules as a PUT.
func (h *handler) patchServiceConfiguration(r *http.Request) (*answer, *problem) {
	return h.writeServiceConfiguration(r, mergePatchType, jsonpatch.MergePatch)
}

// writeServiceConfiguration reads a body of mediaType, derives the new document from the
// current one with merge, and writes it as the caller, with If-Match as the precondition.
func (h *handler) writeServiceConfiguration(r *http.Request, mediaType string, merge func(cur, body []byte) ([]byte, error)) (*answer, *problem) {
	req, p := h.parse(r)
	if p != nil {
		return nil, p
	}
	// Authorisation before anything about the body, as for every O2 write: a caller who may
	// read the configuration but not write it gets 403 whatever it sent, not a 400 or 415
	// that depends on its body. (The first write creates it: the API server asks create then.)
	ctx := r.Context()
	for _, verb := range []string{"get", "update"} {
		if p := h.mayConfigure(ctx, verb); p != nil {
			return nil, p
		}
	}
	// A write takes no query (parseQuery).
	if _, p := parseQuery(r); p != nil {
		return nil, p
	}
	if p := checkMediaType(r, mediaType); p != nil {
		return nil, p
	}
	// As strictly as every O2 write body: a body cut at the limit, a member given twice (the
	// merge and the decoder keep the last, a policy in front may judge the first) or bytes
	// that are not UTF-8 must not become a configuration.
	body, _, p := readJSONObject(r, maxPatchBody, "alarm service configuration")
	if p != nil {
		return nil, p
	}
	client, err := h.clientAs(ctx)
	if err != nil {
		return nil, internalProblem(err, "write the alarm service configuration")
	}
	configs := client.O2imsV1alpha1().AlarmServiceConfigurations()
	change := func(cur *v1alpha1.AlarmServiceConfiguration) (*v1alpha1.AlarmServiceConfiguration, *problem) {
		doc, err := json.Marshal(model.AlarmServiceConfigurationDoc(cur))
		if err != nil {
			return nil, internalProblem(err, "encode the alarm service configuration")
		}
		merged, err := merge(doc, body)
		if err != nil {
			return nil, newProblem(http.StatusBadRequest, "malformed merge patch: "+err.Error())
		}
		if merged, err = h.unredactServiceConfiguration(ctx, merged, cur); err != nil {
			return nil, newProblem(http.StatusBadRequest, "malformed alarm service configuration: "+err.Error())
		}
		spec, p := decodeServiceConfiguration(merged, req.version)
		if p != nil {
			return nil, p
		}
		next := &v1alpha1.AlarmServiceConfiguration{ObjectMeta: metav1.ObjectMeta{Name: serviceConfigurationName}}
		if cur != nil {
			next = cur.DeepCopy()
		}
		next.Spec = *spec
		return next, nil
	}
	ifMatch := ifMatchHeader(r)
	cur := h.serviceConfiguration()
	if cur == nil {
		cur, err = configs.Get(ctx, serviceConfigurationName, metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, apiProblem(err, "read the alarm service configuration")
		}
		if err != nil {
			// Nothing stored yet: the first write creates the singleton. No version exists that
			// If-Match could name.
			if ifMatch != "" && !ifMatchAny(ifMatch) {
				return nil, preconditionProblem()
			}
			next, p := change(nil)
			if p != nil {
				return nil, p
			}
			created, err := configs.Create(ctx, next, metav1.CreateOptions{})
			if err == nil {
				h.awaitServiceConfiguration(ctx, created.ResourceVersion)
				return okJSON(h.serviceConfigurationDoc(ctx, created)).setHeader("ETag", etag(created)), nil
			}
			if !apierrors.IsAlreadyExists(err) {
				return nil, apiProblem(err, "create the alarm service configuration")
			}
			// Another writer created it meanwhile. If-Match is absent or "*" here, so no
			// version is pinned: the change applies over the current one, as for an update
			// that lost a race.
			if cur, err = configs.Get(ctx, serviceConfigurationName, metav1.GetOptions{}); err != nil {
				return nil, apiProblem(err, "read the alarm service configuration")
			}
		}
	}
	w := &conditionalWrite[*v1alpha1.AlarmServiceConfiguration]{
		ifMatch: ifMatch,
		fresh: func(ctx context.Context) (*v1alpha1.AlarmServiceConfiguration, error) {
			return configs.Get(ctx, serviceConfigurationName, metav1.GetOptions{})
		},
		change: change,
		write: func(ctx context.Context, c *v1alpha1.AlarmServiceConfiguration) (*v1alpha1.AlarmServiceConfiguration, error) {
			return configs.Update(ctx, c, metav1.UpdateOptions{})
		},
	}
	updated, p := w.run(ctx, cur, "write the alarm service configuration")
	if p != nil {
		return nil, p
	}
	h.awaitServiceConfiguration(ctx, updated.ResourceVersion)
	return okJSON(h.serviceConfigurationDoc(ctx, updated)).setHeader("ETag", etag(updated)), nil
}

// awaitServiceConfiguration waits (bounded) until the cache holds version rv of the singleton,
// so the caller reads its own write.
func (h *handler) awaitServiceConfiguration(ctx context.Context, rv string) {
	_ = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, cacheWait, true, func(context.Context) (bool, error) {
		c := h.serviceConfiguration()
		return c != nil && c.ResourceVersion == rv, nil
	})
}

// mayConfigure answers 403 unless the caller may do verb on the singleton. Writes are judged
// again by the API server, as the caller; asking first keeps a caller who may not even read
// the configuration from learning anything from how its write fails.
func (h *handler) mayConfigure(ctx context.Context, verb string) *problem {
	ok, err := h.access.allowed(ctx, verb, serviceConfigurationResource, "", serviceConfigurationName)
	if err != nil {
		return authorizerProblem(err)
	}
	if !ok {
		return newProblem(http.StatusForbidden, "not allowed to "+verb+" the alarm service configuration")
	}
	return nil
}

// decodeServiceConfiguration reads a whole AlarmServiceConfiguration document: retentionPeriod
// is required and at least 1 (day); extensions is required by 1.0.0 and optional in spec v10.
func decodeServiceConfiguration(doc []byte, version int) (*v1alpha1.AlarmServiceConfigurationSpec, *problem) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(doc, &members); err != nil || members == nil {
		return nil, newProblem(http.StatusBadRequest, "malformed alarm service configuration: the body must be a JSON object")
	}
	spec := &v1alpha1.AlarmServiceConfigurationSpec{}
	for name, raw := range members {
		switch name {
		case "retentionPeriod":
			var days int32
			if err := json.Unmarshal(raw, &days); err != nil || string(raw) == "null" {
				return nil, newProblem(http.StatusBadRequest, "retentionPeriod must be an integer number of days").attr("field", name)
			}
			if days < 1 {
				return nil, newProblem(http.StatusBadRequest, "retentionPeriod must be at least 1 (day)").attr("field", name)
			}
			spec.RetentionPeriod = &days
		case "extensions":
			if string(raw) == "null" {
				continue
			}
			if err := json.Unmarshal(raw, &spec.Extensions); err != nil {
				return nil, newProblem(http.StatusBadRequest, "extensions must be a JSON object").attr("field", name)
			}
		default:
			return nil, newProblem(http.StatusBadRequest, "unknown field "+name).attr("field", name)
		}
	}
	if spec.RetentionPeriod == nil {
		return nil, newProblem(http.StatusBadRequest, "retentionPeriod is required").attr("field", "retentionPeriod")
	}
	if _, ok := members["extensions"]; !ok && version == model.Version1 {
		return nil, newProblem(http.StatusBadRequest, "extensions is required").attr("field", "extensions")
	}
	return spec, nil
}

// serviceConfigurationDoc is the configuration as this caller may read it: like every O2
// document, the values of credential-like keys in its extensions read REDACTED unless the
// caller may get alarmserviceconfigurations/credentials.
func (h *handler) serviceConfigurationDoc(ctx context.Context, c *v1alpha1.AlarmServiceConfiguration) map[string]any {
	doc := model.AlarmServiceConfigurationDoc(c)
	red, changed := model.Redact(doc)
	if !changed || h.mayReadCredentials(ctx, serviceConfigurationResource, "") {
		return doc
	}
	return red
}

// unredactServiceConfiguration keeps, for a caller that reads the configuration redacted, the
// stored credentials its body echoes as REDACTED (model.Unredact): a PUT of what its GET showed
// must not replace them with the marker.
func (h *handler) unredactServiceConfiguration(ctx context.Context, merged []byte, cur *v1alpha1.AlarmServiceConfiguration) ([]byte, error) {
	if cur == nil || !bytes.Contains(merged, []byte(model.Redacted)) || h.mayReadCredentials(ctx, serviceConfigurationResource, "") {
		return merged, nil
	}
	// Numbers as written: a large integer in extensions must not come back rounded.
	dec := json.NewDecoder(bytes.NewReader(merged))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	model.Unredact(doc, model.AlarmServiceConfigurationDoc(cur))
	return json.Marshal(doc)
}
