package clusterapi

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	clusterv1 "sigs.k8s.io/cluster-api/api/core/v1beta2"
)

// The Cluster API resources the provisioning controllers use, at the storage version.
var (
	Clusters       = clusterv1.GroupVersion.WithResource("clusters")
	ClusterClasses = clusterv1.GroupVersion.WithResource("clusterclasses")
)

// typed converts u into a new T.
func typed[T any](u *unstructured.Unstructured) (*T, error) {
	out := new(T)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.UnstructuredContent(), out); err != nil {
		return nil, fmt.Errorf("decode %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
	}
	return out, nil
}

// ClusterFrom decodes a Cluster read through the dynamic client.
func ClusterFrom(u *unstructured.Unstructured) (*clusterv1.Cluster, error) {
	return typed[clusterv1.Cluster](u)
}

// ClusterClassFrom decodes a ClusterClass read through the dynamic client.
func ClusterClassFrom(u *unstructured.Unstructured) (*clusterv1.ClusterClass, error) {
	return typed[clusterv1.ClusterClass](u)
}

// ToUnstructured encodes a typed Cluster API object for the dynamic client, with its
// apiVersion and kind set.
func ToUnstructured(obj runtime.Object, kind string) (*unstructured.Unstructured, error) {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", kind, err)
	}
	u := &unstructured.Unstructured{Object: content}
	u.SetAPIVersion(clusterv1.GroupVersion.String())
	u.SetKind(kind)
	return u, nil
}

// transform is the informers' cache transform: unstructured objects become typed (decoded once
// per change, not once per read) without managedFields. A tombstone passes through.
func transform(decode func(*unstructured.Unstructured) (runtime.Object, error)) cache.TransformFunc {
	return func(obj any) (any, error) {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return obj, nil
		}
		out, err := decode(u)
		if err != nil {
			return nil, err
		}
		if m, err := meta.Accessor(out); err == nil {
			m.SetManagedFields(nil)
		}
		return out, nil
	}
}

// DecodeCluster decodes a Cluster for an informer's cache.
func DecodeCluster(u *unstructured.Unstructured) (runtime.Object, error) { return ClusterFrom(u) }

// DecodeClusterClass decodes a ClusterClass for an informer's cache.
func DecodeClusterClass(u *unstructured.Unstructured) (runtime.Object, error) {
	return ClusterClassFrom(u)
}
