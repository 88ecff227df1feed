package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/provisioning"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

// fieldManager names the sync's writes.
const fieldManager = "netweave-template-sync"

const resource = "managedinfrastructuretemplates"

// reconciler makes the templates of one ClusterClass equal to what it derives.
type reconciler struct {
	classes   *clusterapi.Informers
	templates o2listers.ManagedInfrastructureTemplateLister
	client    versioned.Interface
	metrics   *provisioning.Metrics
}

// reconcile syncs the templates of the ClusterClass namespace/name: creates the missing,
// overwrites the changed, deletes those of versions (or a class) that are gone.
func (r *reconciler) reconcile(ctx context.Context, key string) error {
	logger := klog.FromContext(ctx)
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return err
	}
	if r.classes.Unread(namespace) {
		// A class not in the cache yet may exist: its templates are not deleted for that.
		return fmt.Errorf("the ClusterClasses of namespace %s are not read yet (netweave may not list them there)", namespace)
	}
	var desired []*v1alpha1.ManagedInfrastructureTemplate
	obj, err := r.classes.Get(namespace, name)
	if err != nil {
		return fmt.Errorf("read ClusterClass %s: %w", key, err)
	}
	if obj != nil {
		cc, err := classOf(obj)
		if err != nil {
			return err
		}
		var skipped []Skipped
		desired, skipped, err = Derive(cc)
		if err != nil {
			// The ClusterClass will not derive better on a retry; its next change queues it.
			logger.Error(err, "ClusterClass gives no templates")
			desired = nil
		}
		for _, s := range skipped {
			logger.Info("ClusterClass version gives no template", "version", s.Version, "reason", s.Reason)
		}
		if len(cc.Spec.KubernetesVersions) == 0 {
			logger.V(2).Info("ClusterClass lists no spec.kubernetesVersions; it gives no templates")
		}
	}
	existing, err := r.templates.ManagedInfrastructureTemplates(namespace).List(labels.SelectorFromSet(Labels(name)))
	if err != nil {
		return fmt.Errorf("list templates of %s: %w", key, err)
	}
	have := map[string]*v1alpha1.ManagedInfrastructureTemplate{}
	for _, t := range existing {
		have[t.Name] = t
	}
	wanted := make(map[string]bool, len(desired))
	for _, want := range desired {
		wanted[want.Name] = true
	}
	// Each template's failure is its own, and the templates that went away go first: one
	// version's template refused (admission, a bound) held back every other version's, and in a
	// namespace at its quota the create of a new version was refused for the slot of the
	// dropped one, which was never deleted since the create came first.
	var errs []error
	for _, gone := range existing {
		if !wanted[gone.Name] {
			errs = append(errs, r.delete(ctx, gone))
		}
	}
	for _, want := range desired {
		cur, ok := have[want.Name]
		switch {
		case !ok:
			errs = append(errs, r.create(ctx, want))
		case !same(cur, want):
			errs = append(errs, r.update(ctx, cur, want))
		}
	}
	return errors.Join(errs...)
}

func (r *reconciler) create(ctx context.Context, t *v1alpha1.ManagedInfrastructureTemplate) error {
	start := time.Now()
	_, err := r.client.O2imsV1alpha1().ManagedInfrastructureTemplates(t.Namespace).Create(ctx, t, metav1.CreateOptions{FieldManager: fieldManager})
	r.metrics.Observe(resource, "create", start, err)
	if apierrors.IsAlreadyExists(err) {
		// Someone else's object of that name (the sync's would be cached with its labels).
		klog.FromContext(ctx).Info("Template name taken by an object the sync does not own; not overwritten", "template", t.Name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("create template %s/%s: %w", t.Namespace, t.Name, err)
	}
	klog.FromContext(ctx).V(2).Info("Created template", "template", t.Name)
	return nil
}

func (r *reconciler) update(ctx context.Context, cur, want *v1alpha1.ManagedInfrastructureTemplate) error {
	next := cur.DeepCopy()
	next.Labels = maps.Clone(cur.Labels)
	maps.Copy(next.Labels, want.Labels)
	id := cur.Spec.ArtifactResourceID
	next.Spec = want.Spec
	// The id is the registry's (derived at create); a sync write never changes it.
	next.Spec.ArtifactResourceID = id
	start := time.Now()
	_, err := r.client.O2imsV1alpha1().ManagedInfrastructureTemplates(cur.Namespace).Update(ctx, next, metav1.UpdateOptions{FieldManager: fieldManager})
	r.metrics.Observe(resource, "update", start, err)
	if err != nil {
		return fmt.Errorf("update template %s/%s: %w", cur.Namespace, cur.Name, err)
	}
	klog.FromContext(ctx).V(2).Info("Updated template", "template", cur.Name)
	return nil
}

func (r *reconciler) delete(ctx context.Context, t *v1alpha1.ManagedInfrastructureTemplate) error {
	start := time.Now()
	err := r.client.O2imsV1alpha1().ManagedInfrastructureTemplates(t.Namespace).Delete(ctx, t.Name,
		metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &t.UID}})
	r.metrics.Observe(resource, "delete", start, err)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete template %s/%s: %w", t.Namespace, t.Name, err)
	}
	klog.FromContext(ctx).V(2).Info("Deleted template", "template", t.Name)
	return nil
}

// same reports whether cur already is want: the labels want sets and the spec but for the
// registry's id, JSON compared by value (the server may store it formatted otherwise).
func same(cur, want *v1alpha1.ManagedInfrastructureTemplate) bool {
	for k, v := range want.Labels {
		if cur.Labels[k] != v {
			return false
		}
	}
	a, b := cur.Spec, want.Spec
	a.ArtifactResourceID, b.ArtifactResourceID = "", ""
	if !jsonEqual(a.ParameterSchema, b.ParameterSchema) || !jsonEqual(a.Defaults, b.Defaults) {
		return false
	}
	a.ParameterSchema, b.ParameterSchema, a.Defaults, b.Defaults = nil, nil, nil, nil
	if len(a.Characteristics) == 0 && len(b.Characteristics) == 0 {
		a.Characteristics, b.Characteristics = nil, nil
	}
	if len(a.Extensions) == 0 && len(b.Extensions) == 0 {
		a.Extensions, b.Extensions = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

func jsonEqual(a, b *v1alpha1.JSON) bool {
	decode := func(j *v1alpha1.JSON) any {
		if j == nil || len(j.Raw) == 0 {
			return nil
		}
		var v any
		if err := json.Unmarshal(j.Raw, &v); err != nil {
			return string(j.Raw)
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}
