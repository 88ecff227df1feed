package notify

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/generated/clientset/versioned/scheme"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// kindSource lists and watches one notified kind in every namespace, through the REST client of
// its group: one helper for every kind, driven by the kind's group, resource and Kubernetes
// kind in pkg/o2rest/model's table.
type kindSource struct {
	kind     model.Kind
	client   rest.Interface
	resource string
	gvk      schema.GroupVersionKind
}

// sources are the kinds whose changes are notified (model.Kind.Notified): the inventory kinds
// and alarm records, and o2dms.oran.org's NfDeployments.
func sources(c versioned.Interface) []kindSource {
	var out []kindSource
	for _, k := range append(model.Kinds(), model.KindNfDeployment) {
		if !k.Notified() {
			continue
		}
		client := c.O2imsV1alpha1().RESTClient()
		if k.Group() == dmsv1alpha1.GroupName {
			client = c.O2dmsV1alpha1().RESTClient()
		}
		out = append(out, kindSource{kind: k, client: client, resource: k.KubernetesResource(), gvk: gvkOf(k)})
	}
	return out
}

// gvkOf is the group, version and kind objects of kind are stored as.
func gvkOf(kind model.Kind) schema.GroupVersionKind {
	if kind.Group() == dmsv1alpha1.GroupName {
		return dmsv1alpha1.SchemeGroupVersion.WithKind(kind.KubernetesKind())
	}
	return v1alpha1.SchemeGroupVersion.WithKind(kind.KubernetesKind())
}

// list lists the kind in every namespace.
func (s kindSource) list(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
	list, err := scheme.Scheme.New(s.gvk.GroupVersion().WithKind(s.gvk.Kind + "List"))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", s.resource, err)
	}
	if err := s.client.Get().Resource(s.resource).VersionedParams(&opts, scheme.ParameterCodec).Do(ctx).Into(list); err != nil {
		return nil, err
	}
	return list, nil
}

// watch watches the kind in every namespace.
func (s kindSource) watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	opts.Watch = true
	return s.client.Get().Resource(s.resource).VersionedParams(&opts, scheme.ParameterCodec).Watch(ctx)
}

// decode restores a recorded state (encodeState's JSON).
func (s kindSource) decode(data []byte) (runtime.Object, error) { return decodeState(s.kind, data) }

// decodeState restores a recorded state of an object of kind.
func decodeState(kind model.Kind, data []byte) (runtime.Object, error) {
	obj, err := scheme.Scheme.New(gvkOf(kind))
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", kind, err)
	}
	if err := json.Unmarshal(data, obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", kind, err)
	}
	return obj, nil
}
