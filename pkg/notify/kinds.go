package notify

import (
	"context"
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// kindSource lists and watches one notified kind in every namespace.
type kindSource struct {
	kind  model.Kind
	list  func(context.Context, metav1.ListOptions) (runtime.Object, error)
	watch func(context.Context, metav1.ListOptions) (watch.Interface, error)
	// decode restores a recorded state.
	decode func([]byte) (runtime.Object, error)
}

func decoder[T any, P interface {
	*T
	runtime.Object
}]() func([]byte) (runtime.Object, error) {
	return func(data []byte) (runtime.Object, error) {
		var obj P = new(T)
		if err := json.Unmarshal(data, obj); err != nil {
			return nil, err
		}
		return obj, nil
	}
}

// sources are the kinds whose changes are notified: the inventory kinds and alarm records.
func sources(c versioned.Interface) []kindSource {
	o := c.O2imsV1alpha1()
	return []kindSource{
		{model.KindOCloudInfo,
			func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return o.OClouds().List(ctx, opts)
			},
			func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return o.OClouds().Watch(ctx, opts)
			},
			decoder[v1alpha1.OCloud]()},
		{model.KindResourceType,
			func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return o.ResourceTypes("").List(ctx, opts)
			},
			func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return o.ResourceTypes("").Watch(ctx, opts)
			},
			decoder[v1alpha1.ResourceType]()},
		{model.KindResourcePool,
			func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return o.ResourcePools("").List(ctx, opts)
			},
			func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return o.ResourcePools("").Watch(ctx, opts)
			},
			decoder[v1alpha1.ResourcePool]()},
		{model.KindResource,
			func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return o.O2Resources("").List(ctx, opts)
			},
			func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return o.O2Resources("").Watch(ctx, opts)
			},
			decoder[v1alpha1.O2Resource]()},
		{model.KindDeploymentManager,
			func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return o.DeploymentManagers("").List(ctx, opts)
			},
			func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return o.DeploymentManagers("").Watch(ctx, opts)
			},
			decoder[v1alpha1.DeploymentManager]()},
		{model.KindLocationInfo,
			func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return o.Locations("").List(ctx, opts)
			},
			func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return o.Locations("").Watch(ctx, opts)
			},
			decoder[v1alpha1.Location]()},
		{model.KindOCloudSiteInfo,
			func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return o.OCloudSites("").List(ctx, opts)
			},
			func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return o.OCloudSites("").Watch(ctx, opts)
			},
			decoder[v1alpha1.OCloudSite]()},
		{model.KindAlarmEventRecord,
			func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return o.AlarmEventRecords("").List(ctx, opts)
			},
			func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return o.AlarmEventRecords("").Watch(ctx, opts)
			},
			decoder[v1alpha1.AlarmEventRecord]()},
	}
}
