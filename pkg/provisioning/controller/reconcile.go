package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	o2listers "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory/members"
	"github.com/netweave-io/netweave/pkg/provisioning/clusterapi"
)

const fieldManager = "netweave-provisioning"

// reconciler reconciles one request at a time from the caches.
type reconciler struct {
	cfg       Config
	clusters  *clusterapi.Informers
	requests  o2listers.ProvisioningRequestLister
	templates o2listers.ManagedInfrastructureTemplateLister
	dms       o2listers.DeploymentManagerLister
	resources o2listers.O2ResourceLister
	// machines are the Machines of the clusters' namespaces, indexed by
	// clusterapi.ClusterNameIndex.
	machines *clusterapi.Informers
	// orphans are the Clusters the controller created whose request is gone, as last seen.
	orphans *orphans
	// settled are the topology patches Cluster API kept nothing of, per Cluster.
	settled settledTopologies
}

// reconcile brings the request namespace/name one step further: finalizer, Cluster, topology,
// status; on delete, the Cluster's deletion and then the finalizer's removal.
func (r *reconciler) reconcile(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return err
	}
	if r.clusters.Unread(namespace) || r.machines.Unread(namespace) {
		// What the caches hold of the namespace says nothing yet (a Cluster not there may
		// exist): nothing is created, deleted or reported of the Cluster until they are read.
		err := fmt.Errorf("the Clusters or Machines of namespace %s are not read yet (netweave may not list them there)", namespace)
		return errors.Join(err, r.reportUnread(ctx, namespace, name))
	}
	req, err := r.requests.ProvisioningRequests(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		// Its Cluster, if the controller made one, stays: a request that goes away the
		// ordinary way waits for its Cluster to be gone (finalizer), so a Cluster left is
		// one whose request the store lost. It is reported, not deleted.
		c, err := r.cachedCluster(namespace, ClusterName(namespace, name))
		if err != nil {
			return err
		}
		r.orphans.observe(ctx, namespace+"/"+ClusterName(namespace, name), orphaned(c, name, nil), c)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	if !r.clusters.Watches(namespace) {
		// Admission refuses requests outside the provisioning namespaces; one made while the
		// flags said otherwise is left alone (netweave may not write Clusters there), except
		// that its deletion must end.
		if req.DeletionTimestamp != nil {
			return r.finalizeUnwatched(ctx, req)
		}
		klog.FromContext(ctx).Info("Request outside the provisioning namespaces; ignored")
		return nil
	}
	o := observation{req: req, clusterName: ClusterName(namespace, name)}
	if o.cluster, err = r.cachedCluster(namespace, o.clusterName); err != nil {
		return err
	}
	cached := o.cluster
	// Whatever happens below, the Cluster of this name is orphaned unless this request owns
	// it (or adopts it) when the reconcile ends.
	defer func() {
		r.orphans.observe(ctx, namespace+"/"+o.clusterName, orphaned(cached, name, req) && o.cluster == nil, cached)
	}()
	if o.cluster != nil && !members.BuiltFor(o.cluster, req) {
		switch {
		case orphaned(o.cluster, name, req) && req.DeletionTimestamp == nil:
			// Perhaps this request's own, lost with the store: ensureCluster decides with
			// the template (adoptable) once the finalizer is on.
			o.adopt = true
		case members.MadeFor(o.cluster, name) && o.cluster.DeletionTimestamp != nil:
			// Made for an earlier request of this id that was being deleted when the store
			// lost it: Cluster API is tearing it down. Its deletion's event reconciles the
			// request again, which then creates its own.
			o.waiting = fmt.Sprintf("waiting for Cluster %s/%s, made for an earlier request of this id, to be deleted before creating it again",
				namespace, o.clusterName)
			o.cluster = nil
		default:
			o.blocked, o.blockedReason = notOwnedMessage(o.cluster), ReasonNotOwned
			o.cluster = nil
		}
	}
	if req.DeletionTimestamp != nil {
		if err := r.observeBuilt(ctx, &o); err != nil {
			return err
		}
		_, err := r.finalize(ctx, o)
		return err
	}
	if !slices.Contains(req.Finalizers, v1alpha1.FinalizerProvisioning) {
		// Before anything is created, so the request cannot go away leaving a Cluster behind.
		if req, err = r.addFinalizer(ctx, req); err != nil {
			return err
		}
		o.req = req
	}
	if o.blocked == "" && o.waiting == "" {
		if err := r.ensureCluster(ctx, &o); err != nil {
			return err
		}
	}
	if err := r.observeBuilt(ctx, &o); err != nil {
		return err
	}
	// A denial that passes by itself (o.retry) is in the status and retried with backoff.
	return errors.Join(o.retry, r.writeStatus(ctx, o))
}

// observeBuilt adds what was built of the request's own Cluster to the observation: its
// member in the inventory and its Machines. Nothing when it has no Cluster (or a Cluster that
// is not its own).
func (r *reconciler) observeBuilt(ctx context.Context, o *observation) error {
	if o.cluster == nil {
		return nil
	}
	o.member = r.memberOf(o.clusterName, o.req.Namespace)
	machines, err := r.machinesOf(ctx, o.cluster.Namespace, o.cluster.Name)
	if err != nil {
		return fmt.Errorf("read Machines: %w", err)
	}
	o.machines = machines
	return nil
}

func (r *reconciler) cachedCluster(namespace, name string) (*clusterv1.Cluster, error) {
	obj, err := r.clusters.Get(namespace, name)
	if err != nil || obj == nil {
		return nil, err
	}
	c, ok := obj.(*clusterv1.Cluster)
	if !ok {
		return nil, fmt.Errorf("cached Cluster %s/%s is a %T", namespace, name, obj)
	}
	return c, nil
}

// template finds the request's template: "<templateName>.<templateVersion>" in the namespace
// the server recorded when the request was written (spec.templateNamespace: where the writer
// was allowed to find it), never elsewhere. A request written before the server recorded it
// looks in its own namespace, else in the inventory namespace (admission's rule then). For a
// request whose Cluster exists (class non-nil, the Cluster's ClusterClass) only a template made from that
// class counts; other is one of that name made from another class, nil when there is none.
//
// So a template a tenant adds to its namespace later, of the same name as the operator's, never
// changes a Cluster built from the operator's ClusterClass: admission checked the request
// against the template it found then, and the tenant's template's defaults and schema are not
// the operator's.
func (r *reconciler) template(req *v1alpha1.ProvisioningRequest, class *clusterv1.ClusterClassRef) (t, other *v1alpha1.ManagedInfrastructureTemplate, err error) {
	name := validation.TemplateObjectName(req.Spec.TemplateName, req.Spec.TemplateVersion)
	for _, ns := range r.templateNamespaces(req) {
		t, err := r.templates.ManagedInfrastructureTemplates(ns).Get(name)
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return nil, nil, err
		case t.Spec.Name != req.Spec.TemplateName || t.Spec.Version != req.Spec.TemplateVersion:
			// Another name and version joined into the same object name (admission's rule).
			continue
		case class != nil && classOf(t) != *class:
			if other == nil {
				other = t
			}
			continue
		}
		return t, nil, nil
	}
	return nil, other, nil
}

// templateNamespaces are where req's template is looked for (template), in that order.
func (r *reconciler) templateNamespaces(req *v1alpha1.ProvisioningRequest) []string {
	if req.Spec.TemplateNamespace != "" {
		// Not the inventory namespace as a fallback: a tenant whose own template admission
		// used, and who deletes it, must not get the operator's, which it may not be offered.
		return []string{req.Spec.TemplateNamespace}
	}
	return slices.Compact([]string{req.Namespace, r.cfg.InventoryNamespace})
}

// ensureCluster creates the request's Cluster, or brings its topology version and variables
// to what the request asks, checked again against the template it is built from.
func (r *reconciler) ensureCluster(ctx context.Context, o *observation) error {
	var class *clusterv1.ClusterClassRef
	if o.cluster != nil {
		c := clusterClassOf(o.cluster)
		class = &c
	}
	t, other, err := r.template(o.req, class)
	if err != nil {
		return fmt.Errorf("read template: %w", err)
	}
	if t == nil && other != nil && o.adopt {
		// adoptCluster refuses it, saying which classes differ.
		t = other
	}
	if t == nil {
		if o.adopt {
			// Adopting needs the template's ClusterClass to compare; until it is there the
			// Cluster stays orphaned.
			o.cluster, o.adopt = nil, false
		}
		switch {
		case o.cluster == nil:
			o.blocked, o.blockedReason = fmt.Sprintf("template %s not found in namespace %s",
				validation.TemplateObjectName(o.req.Spec.TemplateName, o.req.Spec.TemplateVersion), strings.Join(r.templateNamespaces(o.req), " or ")), ReasonNoTemplate
		case other != nil:
			o.unapplied = fmt.Sprintf("template %s/%s is made from ClusterClass %s, not %s as Cluster %s/%s; the Cluster is left as it is",
				other.Namespace, other.Name, refString(classOf(other)), refString(*class), o.cluster.Namespace, o.cluster.Name)
		case o.cluster.Spec.Topology.Version != o.req.Spec.TemplateVersion:
			// A version change admitted while its template existed, the template gone since:
			// nothing sets the version, so the status must not say it is being set.
			o.unapplied = fmt.Sprintf("template %s not found; Cluster %s/%s is left at %s",
				validation.TemplateObjectName(o.req.Spec.TemplateName, o.req.Spec.TemplateVersion), o.cluster.Namespace, o.cluster.Name,
				o.cluster.Spec.Topology.Version)
		}
		// Otherwise an existing Cluster keeps being followed; its topology is left as it is.
		return nil
	}
	// Admission checked the parameters against the template it found then; the template may
	// have changed since (a new schema, other defaults), so what is written is checked again.
	if errs := parametersValid(o.req, t); len(errs) > 0 {
		msg := fmt.Sprintf("templateParameters do not satisfy template %s/%s: %s", t.Namespace, t.Name, errs.ToAggregate())
		if o.cluster != nil && !o.adopt {
			o.unapplied = msg + "; the Cluster is left as it is"
			return nil
		}
		o.cluster, o.adopt = nil, false
		o.blocked, o.blockedReason = msg, ReasonFailed
		return nil
	}
	top, err := topology(o.req, t)
	if err != nil {
		if o.adopt {
			o.cluster, o.adopt = nil, false
		}
		o.blocked, o.blockedReason = err.Error(), ReasonFailed
		return nil
	}
	if o.adopt {
		if err := r.adoptCluster(ctx, o, top); err != nil || o.cluster == nil {
			return err
		}
	}
	if o.cluster == nil {
		return r.createCluster(ctx, o, top)
	}
	if o.cluster.DeletionTimestamp != nil {
		r.settled.forget(o.cluster.UID)
		return nil
	}
	patch, err := topologyPatch(o.cluster, top, templateDefaults(t))
	if err != nil || patch == nil || r.settled.has(o.cluster.UID, patch) {
		return err
	}
	start := time.Now()
	u, err := r.cfg.Dynamic.Resource(clusterapi.Clusters).Namespace(o.cluster.Namespace).Patch(ctx, o.cluster.Name, types.MergePatchType, patch,
		metav1.PatchOptions{FieldManager: fieldManager})
	r.cfg.Metrics.Observe("clusters", "patch", start, err)
	if refused(err) {
		klog.FromContext(ctx).Info("Cluster API refused the Cluster's new topology", "cluster", o.cluster.Name, "version", top.Version, "err", err)
		o.unapplied = fmt.Sprintf("Cluster API refused the change of Cluster %s/%s: %s; the Cluster is left as it is",
			o.cluster.Namespace, o.cluster.Name, refusal(err))
		if o.retryIfTransient(fmt.Errorf("set topology of Cluster %s/%s: %w", o.cluster.Namespace, o.cluster.Name, err)) {
			o.unapplied += " until then; retrying"
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("set topology of Cluster %s/%s: %w", o.cluster.Namespace, o.cluster.Name, err)
	}
	c, err := clusterapi.ClusterFrom(u)
	if err != nil {
		return err
	}
	noop := c.ResourceVersion == o.cluster.ResourceVersion
	r.settled.record(o.cluster.UID, patch, noop)
	if !noop {
		klog.FromContext(ctx).Info("Updated Cluster topology", "cluster", o.cluster.Name, "version", top.Version)
	}
	o.cluster = c
	return nil
}

func (r *reconciler) createCluster(ctx context.Context, o *observation, top clusterv1.Topology) error {
	want := newCluster(o.req, o.clusterName, top)
	u, err := clusterapi.ToUnstructured(want, clusterv1.ClusterKind)
	if err != nil {
		return err
	}
	clusters := r.cfg.Dynamic.Resource(clusterapi.Clusters).Namespace(want.Namespace)
	start := time.Now()
	created, err := clusters.Create(ctx, u, metav1.CreateOptions{FieldManager: fieldManager})
	r.cfg.Metrics.Observe("clusters", "create", start, err)
	if apierrors.IsAlreadyExists(err) {
		// Not in the cache: created a moment ago, by this controller or someone else.
		start = time.Now()
		created, err = clusters.Get(ctx, want.Name, metav1.GetOptions{})
		r.cfg.Metrics.Observe("clusters", "get", start, err)
	}
	if refused(err) {
		klog.FromContext(ctx).Info("Cluster API refused the Cluster", "cluster", want.Name, "version", top.Version, "err", err)
		o.blocked, o.blockedReason = fmt.Sprintf("Cluster API refused Cluster %s/%s: %s", want.Namespace, want.Name, refusal(err)), ReasonClusterRefused
		if o.retryIfTransient(fmt.Errorf("create Cluster %s/%s: %w", want.Namespace, want.Name, err)) {
			o.blocked += "; retrying"
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("create Cluster %s/%s: %w", want.Namespace, want.Name, err)
	}
	c, err := clusterapi.ClusterFrom(created)
	if err != nil {
		return err
	}
	if !members.BuiltFor(c, o.req) {
		// Created a moment ago by someone else, or orphaned and not in the cache yet: the
		// Cluster's event reconciles the request again, which adopts it if it may.
		o.blocked, o.blockedReason = notOwnedMessage(c), ReasonNotOwned
		return nil
	}
	klog.FromContext(ctx).Info("Created Cluster", "cluster", c.Name, "class", top.ClassRef.Name, "version", top.Version)
	o.cluster = c
	return nil
}

// maxRefusal bounds what the status quotes of Cluster API's refusal, so that what netweave
// says around it (which Cluster, what is left as it is) survives the status's own bound.
const maxRefusal = 4 * 1024

// refused reports an answer of the management cluster that refuses the Cluster or its change
// (Cluster API's webhooks and CEL rules: the template's JSON schema does not check them; a
// version downgrade or skip; an admission policy; a quota; RBAC): it is an observation for
// the request's status. Most refuse the Cluster as it is: asking again gets the same answer,
// so it is not retried with backoff, and the request is reconciled again when it, its
// template or its Cluster changes. Those that pass without any of these changing
// (transientForbidden) are retried as well.
func refused(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsBadRequest(err)
}

// transientForbidden reports a 403 that asking again later may not get: it is not about the
// object as it is, and passes without the request, its template or its Cluster changing. Those
// are the ResourceQuota admission plugin's (k8s.io/apiserver/pkg/admission/plugin/
// resourcequota: the tenant frees quota, the quota controller counts usage, the operator
// raises or adds a quota) and the authorizer's denial of netweave's own account
// (endpoints/handlers/responsewriters.ForbiddenStatusError: the operator grants the Role).
// Admission webhooks ("admission webhook ... denied the request") and
// ValidatingAdmissionPolicies deny the object as it is. The reason is read after the exact
// prefix apierrors.NewForbidden writes for the status's details, so a webhook's own message
// that quotes a quota's words is still a refusal.
func transientForbidden(err error) bool {
	var st apierrors.APIStatus
	if !apierrors.IsForbidden(err) || !errors.As(err, &st) {
		return false
	}
	s := st.Status()
	if s.Details == nil {
		return false
	}
	gr := schema.GroupResource{Group: s.Details.Group, Resource: s.Details.Kind}
	prefix := "forbidden: "
	switch {
	case gr.Empty():
	case s.Details.Name == "":
		prefix = gr.String() + " is forbidden: "
	default:
		prefix = fmt.Sprintf("%s %q is forbidden: ", gr.String(), s.Details.Name)
	}
	reason, ok := strings.CutPrefix(s.Message, prefix)
	transient := []string{
		"exceeded quota: ", "status unknown for quota: ", "insufficient quota to consume: ", "failed quota: ",
		"quota usage is negative", `User "`,
	}
	return ok && slices.ContainsFunc(transient, func(p string) bool { return strings.HasPrefix(reason, p) })
}

// retryIfTransient makes the reconcile retry err, a refusal already in the observation, with
// backoff once the status says it, when it may pass by itself (transientForbidden): no event
// says when quota is freed or a Role granted. It reports whether it will, for the status to
// say so.
func (o *observation) retryIfTransient(err error) bool {
	if !transientForbidden(err) {
		return false
	}
	o.retry = err
	return true
}

// refusal is what the status says of a refusal: the server's message, bounded.
func refusal(err error) string {
	msg := err.Error()
	var st apierrors.APIStatus
	if errors.As(err, &st) && st.Status().Message != "" {
		msg = st.Status().Message
	}
	return validation.Truncate(msg, maxRefusal)
}

// notOwnedMessage says why the Cluster c is not the request's.
func notOwnedMessage(c *clusterv1.Cluster) string {
	return fmt.Sprintf("Cluster %s/%s exists and was not created for this request; it is not adopted", c.Namespace, c.Name)
}

// adoptCluster makes the orphaned Cluster o.cluster the request's if it may (adoptable):
// it relabels it with the request's uid, recording the uid of the request it was made for, in
// one merge patch that fails if the Cluster changed since it was read. Otherwise the request
// is blocked (ClusterNotOwned) and o.cluster is nil.
func (r *reconciler) adoptCluster(ctx context.Context, o *observation, top clusterv1.Topology) error {
	c := o.cluster
	o.adopt = false
	if !adoptable(c, o.req, top) {
		o.blocked, o.blockedReason = fmt.Sprintf("Cluster %s/%s was created for an earlier request of this id with ClusterClass %s/%s, not %s/%s as this request's template; it is not adopted",
			c.Namespace, c.Name, c.Spec.Topology.ClassRef.Namespace, c.Spec.Topology.ClassRef.Name, top.ClassRef.Namespace, top.ClassRef.Name), ReasonNotOwned
		o.cluster = nil
		return nil
	}
	previous := c.Labels[v1alpha1.LabelProvisioningRequestUID]
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"resourceVersion": c.ResourceVersion,
		"labels":          map[string]string{v1alpha1.LabelProvisioningRequestUID: string(o.req.UID)},
		"annotations":     map[string]string{v1alpha1.AnnotationPreviousRequestUID: previous},
	}})
	if err != nil {
		return err
	}
	start := time.Now()
	u, err := r.cfg.Dynamic.Resource(clusterapi.Clusters).Namespace(c.Namespace).Patch(ctx, c.Name, types.MergePatchType, patch,
		metav1.PatchOptions{FieldManager: fieldManager})
	r.cfg.Metrics.Observe("clusters", "patch", start, err)
	if err != nil {
		// Not adopted: the Cluster is still nobody's, and counted orphaned as such.
		o.cluster = nil
		if refused(err) {
			// As for a create or a change: asking again gets the same answer; the request says
			// why, and is tried again when it, its template or the Cluster changes.
			klog.FromContext(ctx).Info("Cluster API refused the adoption of the Cluster", "cluster", c.Name, "err", err)
			o.blocked, o.blockedReason = fmt.Sprintf("Cluster API refused the adoption of Cluster %s/%s, created for an earlier request of this id: %s; it is left as it is",
				c.Namespace, c.Name, refusal(err)), ReasonClusterRefused
			if o.retryIfTransient(fmt.Errorf("adopt Cluster %s/%s: %w", c.Namespace, c.Name, err)) {
				o.blocked += " until then; retrying"
			}
			return nil
		}
		return fmt.Errorf("adopt Cluster %s/%s: %w", c.Namespace, c.Name, err)
	}
	if o.cluster, err = clusterapi.ClusterFrom(u); err != nil {
		return err
	}
	r.cfg.Metrics.Adopted()
	klog.FromContext(ctx).Info("Adopted the Cluster created for an earlier request of this id, which the store lost",
		"cluster", c.Name, "previousRequestUID", previous)
	return nil
}

// errDeleteRefused marks finalize's error when the management cluster refuses to delete the
// request's Cluster (the status says so already).
var errDeleteRefused = errors.New("the management cluster refused to delete the Cluster")

// finalize deletes the request's Cluster and, once it is gone, lets the request go.
func (r *reconciler) finalize(ctx context.Context, o observation) (released bool, err error) {
	if !slices.Contains(o.req.Finalizers, v1alpha1.FinalizerProvisioning) {
		return true, nil
	}
	if o.cluster == nil {
		// The cache may not have the Cluster yet (a DELETE right after the create), or may
		// still show it as somebody else's (a DELETE right after an adoption relabelled it with
		// this request's uid): the request goes only once a live read finds no Cluster built
		// for it, or the Cluster would outlive the request, orphaned and never deleted.
		start := time.Now()
		u, err := r.cfg.Dynamic.Resource(clusterapi.Clusters).Namespace(o.req.Namespace).Get(ctx, o.clusterName, metav1.GetOptions{})
		r.cfg.Metrics.Observe("clusters", "get", start, err)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return false, fmt.Errorf("read Cluster %s/%s before releasing the request: %w", o.req.Namespace, o.clusterName, err)
		default:
			c, err := clusterapi.ClusterFrom(u)
			if err != nil {
				return false, err
			}
			if members.BuiltFor(c, o.req) {
				o.cluster = c
			}
		}
	}
	if o.cluster == nil {
		next := o.req.DeepCopy()
		next.Finalizers = slices.DeleteFunc(next.Finalizers, func(f string) bool { return f == v1alpha1.FinalizerProvisioning })
		start := time.Now()
		_, err := r.cfg.Client.O2imsV1alpha1().ProvisioningRequests(next.Namespace).Update(ctx, next, metav1.UpdateOptions{FieldManager: fieldManager})
		r.cfg.Metrics.Observe("provisioningrequests", "update", start, err)
		if err != nil && !apierrors.IsNotFound(err) {
			return false, fmt.Errorf("remove finalizer: %w", err)
		}
		klog.FromContext(ctx).Info("Cluster gone; request released", "cluster", o.clusterName)
		return true, nil
	}
	if o.cluster.DeletionTimestamp == nil {
		uid := o.cluster.UID
		start := time.Now()
		err := r.cfg.Dynamic.Resource(clusterapi.Clusters).Namespace(o.cluster.Namespace).Delete(ctx, o.cluster.Name,
			metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		r.cfg.Metrics.Observe("clusters", "delete", start, err)
		if refused(err) {
			// Retried with backoff (no event says when a policy changes), and the request says
			// why it does not go, instead of its phase before the DELETE.
			err = fmt.Errorf("%w: Cluster %s/%s: %w", errDeleteRefused, o.cluster.Namespace, o.cluster.Name, err)
			o.undeletable = fmt.Sprintf("the management cluster refused to delete Cluster %s/%s: %s; retrying",
				o.cluster.Namespace, o.cluster.Name, refusal(err))
			return false, errors.Join(err, r.writeStatus(ctx, o))
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return false, fmt.Errorf("delete Cluster %s/%s: %w", o.cluster.Namespace, o.cluster.Name, err)
		}
		klog.FromContext(ctx).Info("Deleting Cluster", "cluster", o.cluster.Name)
	}
	return false, r.writeStatus(ctx, o)
}

// finalizeUnwatched ends the deletion of a request made in a namespace that is no longer one
// of --provisioning-namespaces (the flag changed since): its Cluster is not watched there, so
// finalize reads it live. Gone, or never made: the request goes. Still there: it is deleted if
// netweave may, and the request waits for it, retried with backoff since no event of that
// namespace comes; where netweave may not read it, the status says what to do.
func (r *reconciler) finalizeUnwatched(ctx context.Context, req *v1alpha1.ProvisioningRequest) error {
	o := observation{req: req, clusterName: ClusterName(req.Namespace, req.Name)}
	released, err := r.finalize(ctx, o)
	if apierrors.IsForbidden(err) && !errors.Is(err, errDeleteRefused) {
		o.undeletable = fmt.Sprintf("namespace %s is no longer a provisioning namespace and netweave may not read Cluster %s/%s there: delete it if it exists; the request goes once it is gone",
			req.Namespace, req.Namespace, o.clusterName)
		return errors.Join(err, r.writeStatus(ctx, o))
	}
	if err == nil && !released {
		err = fmt.Errorf("waiting for Cluster %s/%s, outside the provisioning namespaces, to be gone", req.Namespace, o.clusterName)
	}
	return err
}

// unreadMessage is the status message of a request not yet acted on because netweave cannot
// read its namespace's Cluster API objects: the request's owner learns why nothing happens,
// and what its operator must grant.
const unreadMessage = "waiting: netweave cannot read the Cluster API objects of this namespace yet " +
	"(the operator must let it get, list and watch clusters and machines here)"

// reportUnread says in a PENDING request's status that it waits for its namespace to be
// readable; a request further on keeps what it said (its Cluster is not observed, not gone).
func (r *reconciler) reportUnread(ctx context.Context, namespace, name string) error {
	req, err := r.requests.ProvisioningRequests(namespace).Get(name)
	if err != nil || req.DeletionTimestamp != nil || req.Status.ProvisioningPhase != v1alpha1.ProvisioningPhasePending ||
		req.Status.Message == unreadMessage {
		return nil
	}
	next := req.DeepCopy()
	next.Status.Message = unreadMessage
	t := metav1.NewTime(r.cfg.Now())
	next.Status.UpdateTime = &t
	start := time.Now()
	_, err = r.cfg.Client.O2imsV1alpha1().ProvisioningRequests(namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{FieldManager: fieldManager})
	r.cfg.Metrics.Observe("provisioningrequests/status", "update", start, err)
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("report the unreadable namespace in the status: %w", err)
	}
	return nil
}

func (r *reconciler) addFinalizer(ctx context.Context, req *v1alpha1.ProvisioningRequest) (*v1alpha1.ProvisioningRequest, error) {
	next := req.DeepCopy()
	next.Finalizers = append(next.Finalizers, v1alpha1.FinalizerProvisioning)
	start := time.Now()
	out, err := r.cfg.Client.O2imsV1alpha1().ProvisioningRequests(req.Namespace).Update(ctx, next, metav1.UpdateOptions{FieldManager: fieldManager})
	r.cfg.Metrics.Observe("provisioningrequests", "update", start, err)
	if err != nil {
		return nil, fmt.Errorf("add finalizer: %w", err)
	}
	return out, nil
}

func (r *reconciler) writeStatus(ctx context.Context, o observation) error {
	st, changed := statusOf(o, r.cfg.Now())
	if !changed {
		return nil
	}
	next := o.req.DeepCopy()
	next.Status = st
	start := time.Now()
	_, err := r.cfg.Client.O2imsV1alpha1().ProvisioningRequests(next.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{FieldManager: fieldManager})
	r.cfg.Metrics.Observe("provisioningrequests/status", "update", start, err)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("write status: %w", err)
	}
	klog.FromContext(ctx).V(2).Info("Status", "phase", st.ProvisioningPhase, "message", st.Message)
	return nil
}

// memberOf returns what the inventory holds of the member cluster named like the Cluster
// (Cluster API discovery names the member after the cluster): its DeploymentManager (the
// sync's, in the inventory namespace, labelled with the member's name) and its Resources' ids,
// also by the source each was made from.
//
// Only the member that namespace, the request's, registered: member names are global, and a
// Secret of the inventory namespace or of an operator's Cluster API namespace registers any
// name, over the tenant's own kubeconfig Secret. Such a member is not the request's cluster,
// and its DeploymentManager and Resources are not the tenant's to be told of. The inventory
// sync labels a tenant's member's objects with the tenant (v1alpha1.LabelTenant), those of
// the inventory namespace's Secrets with none (members.Registration.Tenant).
func (r *reconciler) memberOf(name, namespace string) *member {
	tenant := namespace
	if namespace == r.cfg.InventoryNamespace {
		tenant = ""
	}
	sel := labels.SelectorFromSet(labels.Set{v1alpha1.LabelCluster: name})
	ours := func(o metav1.Object) bool { return o.GetLabels()[v1alpha1.LabelTenant] == tenant }
	all, err := r.dms.DeploymentManagers(r.cfg.InventoryNamespace).List(sel)
	if err != nil {
		return nil
	}
	dms := slices.DeleteFunc(slices.Clone(all), func(d *v1alpha1.DeploymentManager) bool { return !ours(d) })
	if len(dms) == 0 {
		return nil
	}
	m := &member{name: name, dm: dms[0], resourceBySource: map[string]string{}}
	resources, err := r.resources.O2Resources(r.cfg.InventoryNamespace).List(sel)
	if err == nil {
		for _, res := range resources {
			if res.Spec.ResourceID == "" || !ours(res) {
				continue
			}
			m.resourceIDs = append(m.resourceIDs, res.Spec.ResourceID)
			if src := res.Annotations[v1alpha1.AnnotationSource]; src != "" {
				m.resourceBySource[src] = res.Spec.ResourceID
			}
		}
		slices.Sort(m.resourceIDs)
	}
	return m
}
