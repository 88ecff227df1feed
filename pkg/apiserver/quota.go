package apiserver

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	"k8s.io/client-go/metadata"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// QuotaResources are the o2ims.oran.org resources a ResourceQuota can count
// (count/<resource>.o2ims.oran.org): every namespaced kind. Quotas are per namespace, so the
// cluster-scoped OCloud and AlarmServiceConfiguration have nothing to be counted in.
func QuotaResources() []schema.GroupResource {
	var out []schema.GroupResource
	for _, r := range o2imsResources(TenancyConfig{}) {
		if r.kind.Namespaced {
			out = append(out, o2ims.Resource(r.kind.Resource))
		}
	}
	return out
}

// NamespaceLister lists the objects of one resource in one namespace; usage recalculation
// counts them.
type NamespaceLister func(ctx context.Context, gr schema.GroupResource, namespace string) ([]runtime.Object, error)

// NewQuotaConfiguration is the quota configuration of netweave's ResourceQuota admission
// plugin: an object-count evaluator per O2 resource. The plugin itself only charges each create
// against the quota's status.used (kept current by kube-controller-manager's resourcequota
// controller, which discovers the aggregated resources); list serves the evaluators' usage
// recalculation, which the quota library calls when something asks for full usage.
func NewQuotaConfiguration(list NamespaceLister) quota.Configuration {
	var evaluators []quota.Evaluator
	for _, gr := range QuotaResources() {
		evaluators = append(evaluators, generic.NewObjectCountEvaluator(gr, func(namespace string) ([]runtime.Object, error) {
			// The quota library's list functions take no context; usage recalculation is a
			// bounded background computation, so the background context is the honest one.
			return list(context.Background(), gr, namespace)
		}, ""))
	}
	return generic.NewConfiguration(evaluators, nil)
}

// MetadataLister lists through a metadata client, which is all object counting needs: names,
// not the objects' specs.
func MetadataLister(client metadata.Interface) NamespaceLister {
	return func(ctx context.Context, gr schema.GroupResource, namespace string) ([]runtime.Object, error) {
		gvr := v1alpha1.SchemeGroupVersion.WithResource(gr.Resource)
		list, err := client.Resource(gvr).Namespace(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("list %s in namespace %q for quota usage: %w", gr, namespace, err)
		}
		out := make([]runtime.Object, 0, len(list.Items))
		for i := range list.Items {
			out = append(out, &list.Items[i])
		}
		return out, nil
	}
}

// QuotaInitializer hands the quota configuration to the admission plugins that want one (the
// ResourceQuota plugin); the generic server's own initializer has none to give.
type QuotaInitializer struct {
	Configuration quota.Configuration
}

var _ admission.PluginInitializer = QuotaInitializer{}

// Initialize implements admission.PluginInitializer.
func (q QuotaInitializer) Initialize(plugin admission.Interface) {
	if wants, ok := plugin.(initializer.WantsQuotaConfiguration); ok {
		wants.SetQuotaConfiguration(q.Configuration)
	}
}
