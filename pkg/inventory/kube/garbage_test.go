package kube

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
)

// Kubernetes bounds none of a Node's nodeInfo strings, its providerID, its addresses nor its
// extended resources (only the whole object's size), so a node may legally carry more than
// the O2 validation lets a Resource hold. The Resource the sync derives must still be one the
// API accepts: a refused Resource is retried for ever, never appears in the inventory, and a
// node that turns garbage after it was synced keeps its old spec and, since the status is
// written after the spec, its old status too (a NotReady node reported ENABLED).
func TestRegressionNodeWithOversizedFieldsMapsToValidResource(t *testing.T) {
	ids := testIDs(t)
	pool := PoolRef{Namespace: "o2ims-system", ID: ids.Of("NodePool", "default")}
	typeID := ids.Of("NodeKind", "x")
	for name, mutate := range map[string]func(*corev1.Node){
		"osImage of 8 KiB": func(n *corev1.Node) { n.Status.NodeInfo.OSImage = strings.Repeat("o", 8<<10) },
		"kernelVersion of 20 KiB": func(n *corev1.Node) {
			n.Status.NodeInfo.KernelVersion = strings.Repeat("k", 20<<10)
		},
		"systemUUID of 300 bytes": func(n *corev1.Node) { n.Status.NodeInfo.SystemUUID = strings.Repeat("u", 300) },
		"providerID of 300 bytes": func(n *corev1.Node) { n.Spec.ProviderID = "metal3://" + strings.Repeat("p", 300) },
		"2000 addresses": func(n *corev1.Node) {
			for i := range 2000 {
				n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("10.0.%d.%d", i/256, i%256)})
			}
		},
		"500 extended resources": func(n *corev1.Node) {
			for i := range 500 {
				name := corev1.ResourceName(fmt.Sprintf("devices.example.com/sriov-net-%03d", i))
				n.Status.Capacity[name] = resource.MustParse("64")
				n.Status.Allocatable[name] = resource.MustParse("64")
			}
		},
		"annotation of 300 KiB with invalid UTF-8": func(n *corev1.Node) {
			n.Annotations = map[string]string{"example.com/blob": strings.Repeat("\xff\xfe", 150<<10)}
			n.Status.NodeInfo.OSImage = "Ubuntu \xff\xfe 24.04"
		},
		"name of 253 characters, no addresses, no nodeInfo, zero capacity": func(n *corev1.Node) {
			n.Name = strings.Repeat("n", 61) + "." + strings.Repeat("n", 63) + "." + strings.Repeat("n", 63) + "." + strings.Repeat("n", 63)
			n.Status = corev1.NodeStatus{}
		},
	} {
		t.Run(name, func(t *testing.T) {
			node := newNode("n-1")
			mutate(node)
			r := NodeResource(ids, node, pool, typeID)
			var internal o2ims.O2Resource
			if err := v1alpha1.Convert_v1alpha1_O2Resource_To_o2ims_O2Resource(r, &internal, nil); err != nil {
				t.Fatal(err)
			}
			if errs := validation.ValidateResource(&internal); len(errs) > 0 {
				t.Errorf("the Resource of a node with %s is refused by the API: %v", name, brief(errs))
			}
			if len(node.Status.Addresses) > 100 {
				var omitted []string
				if err := json.Unmarshal(r.Spec.Extensions[omittedExtensionsKey].Raw, &omitted); err != nil || !slices.Contains(omitted, "addresses") {
					t.Errorf("extensions.%s = %s, want it to name the addresses left out", omittedExtensionsKey, r.Spec.Extensions[omittedExtensionsKey].Raw)
				}
			}
			if got := extString(t, r.Spec.Extensions, "nodeName"); got != node.Name {
				t.Errorf("extensions.nodeName = %q, want the node's name %q kept whole", got, node.Name)
			}
		})
	}
}

// A StorageClass may carry up to 256 KiB of parameters and a provisioner of up to 317 bytes (a
// qualified name); its ResourceType must still be one the API accepts, or it is retried for ever
// and missing from the inventory.
func TestRegressionStorageClassWithOversizedFieldsMapsToValidResourceType(t *testing.T) {
	ids := testIDs(t)
	params := map[string]string{}
	for i := range 100 {
		params[fmt.Sprintf("param-%03d", i)] = strings.Repeat("v", 1024)
	}
	sc := &storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: "big", UID: "uid-big"},
		Provisioner: strings.Repeat("p", 253) + "/" + strings.Repeat("q", 63),
		Parameters:  params,
	}
	rt := StorageClassType(ids, "o2ims-system", sc)
	var internal o2ims.ResourceType
	if err := v1alpha1.Convert_v1alpha1_ResourceType_To_o2ims_ResourceType(rt, &internal, nil); err != nil {
		t.Fatal(err)
	}
	if errs := validation.ValidateResourceType(&internal); len(errs) > 0 {
		t.Errorf("the ResourceType of a StorageClass with 100 KiB of parameters is refused by the API: %v", brief(errs))
	}
	if got := extString(t, rt.Spec.Extensions, "storageClass"); got != "big" {
		t.Errorf("extensions.storageClass = %q, want it kept", got)
	}
}

// brief renders errors without the values, which are what is too long to print.
func brief(errs field.ErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Field+": "+string(e.Type))
	}
	return out
}

// A node's ResourceType takes its vendor from the provider id's scheme and its name from the
// node's architecture, which the kubelet reports unbounded when no kubernetes.io/arch label is
// set. A type the API refuses also refuses every Resource of its nodes (a Resource must name a
// stored type), so it must fit whatever the node says.
func TestRegressionNodeKindWithOversizedFieldsMapsToValidResourceType(t *testing.T) {
	ids := testIDs(t)
	node := newNode("n-1")
	node.Spec.ProviderID = strings.Repeat("s", 300) + "://machine-1"
	node.Status.NodeInfo.Architecture = strings.Repeat("a", 300)
	types := NodeKindTypes(ids, "o2ims-system", []NodeKind{NodeKindOf(node)})
	if len(types) != 1 {
		t.Fatalf("got %d resource types, want 1", len(types))
	}
	var internal o2ims.ResourceType
	if err := v1alpha1.Convert_v1alpha1_ResourceType_To_o2ims_ResourceType(types[0], &internal, nil); err != nil {
		t.Fatal(err)
	}
	if errs := validation.ValidateResourceType(&internal); len(errs) > 0 {
		t.Errorf("the ResourceType of a node with a 300-byte provider scheme and architecture is refused by the API: %v", brief(errs))
	}
	if got := types[0].Spec.ResourceTypeID; got != NodeKindOf(node).ID(ids) {
		t.Errorf("resourceTypeId = %s, want the kind's id %s (Resources name it)", got, NodeKindOf(node).ID(ids))
	}
}

// Thousands of labels are legal on a Node, node-role.kubernetes.io/<role> ones included: the
// roles become spec.groups, which the API caps at validation.MaxKeywords.
func TestRegressionNodeWithManyRolesMapsToValidResource(t *testing.T) {
	ids := testIDs(t)
	node := newNode("n-1")
	for i := range 2000 {
		node.Labels[fmt.Sprintf("%srole-%04d", nodeRolePrefix, i)] = ""
	}
	r := NodeResource(ids, node, PoolRef{Namespace: "o2ims-system", ID: ids.Of("NodePool", "default")}, ids.Of("NodeKind", "x"))
	var internal o2ims.O2Resource
	if err := v1alpha1.Convert_v1alpha1_O2Resource_To_o2ims_O2Resource(r, &internal, nil); err != nil {
		t.Fatal(err)
	}
	if errs := validation.ValidateResource(&internal); len(errs) > 0 {
		t.Errorf("the Resource of a node with 2000 roles is refused by the API: %v", brief(errs))
	}
	if len(r.Spec.Groups) == 0 || r.Spec.Groups[0] != "role-0000" {
		t.Errorf("groups = %v..., want the first roles in order kept", r.Spec.Groups[:min(3, len(r.Spec.Groups))])
	}
}
