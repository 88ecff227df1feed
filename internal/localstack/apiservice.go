package localstack

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// Names of the objects that route o2ims.oran.org/v1alpha1 and o2dms.oran.org/v1alpha1 to
// netweave, as in artifacts/.
const (
	APIServiceNamespace   = "o2ims-system"
	APIServiceServiceName = "api"
	APIServiceGroup       = "o2ims.oran.org"
	APIServiceVersion     = "v1alpha1"
	APIServiceName        = APIServiceVersion + "." + APIServiceGroup
	// DMSAPIServiceGroup is the deployments' group, served by the same netweave.
	DMSAPIServiceGroup = "o2dms.oran.org"
	DMSAPIServiceName  = APIServiceVersion + "." + DMSAPIServiceGroup
)

// apiServiceGroups are the groups netweave serves, each registered by its own APIService.
var apiServiceGroups = []string{APIServiceGroup, DMSAPIServiceGroup}

// fieldManager owns what the local stack applies, so re-registering (e.g. on another port) is a
// clean server-side apply rather than a conflict.
const fieldManager = "netweave-localstack"

var (
	namespacesGVR  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	servicesGVR    = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	apiServicesGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}
)

// RegisterAPIService routes o2ims.oran.org/v1alpha1 and o2dms.oran.org/v1alpha1 to an
// aggregated server listening on 127.0.0.1:port: the o2ims-system namespace, an ExternalName
// Service pointing at 127.0.0.1 (the only routing that works without nodes, see
// shared/local-control-plane.md) and an APIService with caBundle per group. It is idempotent.
// cfg must be allowed to write all of them (Admin).
func RegisterAPIService(ctx context.Context, cfg *rest.Config, port int, caBundle []byte) error {
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("register APIService: %w", err)
	}
	objects := []struct {
		gvr schema.GroupVersionResource
		obj map[string]any
	}{
		{namespacesGVR, map[string]any{
			"apiVersion": "v1", "kind": "Namespace",
			"metadata": map[string]any{"name": APIServiceNamespace},
		}},
		{servicesGVR, map[string]any{
			"apiVersion": "v1", "kind": "Service",
			"metadata": map[string]any{"name": APIServiceServiceName, "namespace": APIServiceNamespace},
			"spec":     map[string]any{"type": "ExternalName", "externalName": "127.0.0.1"},
		}},
	}
	for _, group := range apiServiceGroups {
		objects = append(objects, struct {
			gvr schema.GroupVersionResource
			obj map[string]any
		}{apiServicesGVR, map[string]any{
			"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
			"metadata": map[string]any{"name": APIServiceVersion + "." + group},
			"spec": map[string]any{
				"group":                group,
				"version":              APIServiceVersion,
				"groupPriorityMinimum": 1000,
				"versionPriority":      15,
				"caBundle":             caBundle, // []byte marshals to base64, as the API expects
				"service": map[string]any{
					"name":      APIServiceServiceName,
					"namespace": APIServiceNamespace,
					"port":      port,
				},
			},
		}})
	}
	for _, o := range objects {
		data, err := json.Marshal(o.obj)
		if err != nil {
			return fmt.Errorf("register APIService: encode %s: %w", o.gvr.Resource, err)
		}
		meta := o.obj["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		ns, _ := meta["namespace"].(string)
		var ri dynamic.ResourceInterface = client.Resource(o.gvr)
		if ns != "" {
			ri = client.Resource(o.gvr).Namespace(ns)
		}
		force := true
		if _, err := ri.Patch(ctx, name, types.ApplyPatchType, data, metav1.PatchOptions{FieldManager: fieldManager, Force: &force}); err != nil {
			return fmt.Errorf("register APIService: apply %s %s: %w", o.gvr.Resource, name, err)
		}
	}
	return nil
}

// WaitForAPIServiceAvailable polls until every APIService of netweave reports Available=True;
// the error names the last reason the aggregator gave (e.g. FailedDiscoveryCheck with the
// dial error).
func WaitForAPIServiceAvailable(ctx context.Context, cfg *rest.Config, timeout time.Duration) error {
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("wait for APIService %s: %w", APIServiceName, err)
	}
	deadline := time.Now().Add(timeout)
	for _, group := range apiServiceGroups {
		name := APIServiceVersion + "." + group
		last := "not found yet"
		err = wait.PollUntilContextTimeout(ctx, pollInterval, time.Until(deadline), true, func(ctx context.Context) (bool, error) {
			obj, err := client.Resource(apiServicesGVR).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				last = err.Error()
				return false, nil
			}
			status, reason, message := availableCondition(obj)
			if status == "True" {
				return true, nil
			}
			last = fmt.Sprintf("Available=%q reason=%q message=%q", status, reason, message)
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("wait for APIService %s to become Available: %w (last: %s)", name, err, last)
		}
	}
	return nil
}

func availableCondition(obj *unstructured.Unstructured) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != "Available" {
			continue
		}
		status, _ = m["status"].(string)
		reason, _ = m["reason"].(string)
		message, _ = m["message"].(string)
		return status, reason, message
	}
	return "Unknown", "", "no Available condition"
}
