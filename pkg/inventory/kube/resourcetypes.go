package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// NodeKind is what makes nodes interchangeable: one ResourceType per distinct kind.
type NodeKind struct {
	InstanceType string
	Arch         string
	Vendor       string
	Model        string
	Kind         v1alpha1.ResourceKind
}

// isCloudProvider reports provider-id schemes of virtual machines; anything else (bare metal,
// Metal3, no provider id) counts as physical.
func isCloudProvider(scheme string) bool {
	switch scheme {
	case "aws", "gce", "azure", "openstack", "vsphere", "ibm", "oci", "alicloud", "digitalocean",
		"hcloud", "linode", "kind", "docker", "kubemark", "kubevirt", "ovirt":
		return true
	}
	return false
}

// NodeKindOf classifies a node from its labels, provider id and node info.
func NodeKindOf(node *corev1.Node) NodeKind {
	provider, _, _ := strings.Cut(node.Spec.ProviderID, "://")
	k := NodeKind{
		InstanceType: nodeInstanceType(node),
		Arch:         nodeArch(node),
		Vendor:       firstLabel(node.Labels, v1alpha1.NodeLabelVendor),
		Model:        firstLabel(node.Labels, v1alpha1.NodeLabelModel),
		Kind:         v1alpha1.ResourceKindPhysical,
	}
	if k.Vendor == "" {
		k.Vendor = provider
	}
	if k.Model == "" {
		k.Model = k.InstanceType
	}
	switch v1alpha1.ResourceKind(strings.ToUpper(node.Labels[v1alpha1.NodeLabelResourceKind])) {
	case v1alpha1.ResourceKindLogical:
		k.Kind = v1alpha1.ResourceKindLogical
	case v1alpha1.ResourceKindPhysical:
	default:
		if isCloudProvider(provider) {
			k.Kind = v1alpha1.ResourceKindLogical
		}
	}
	return k
}

// Key identifies the kind in ids.
func (k NodeKind) Key() string {
	return strings.Join([]string{k.InstanceType, k.Arch, k.Vendor, k.Model, string(k.Kind)}, "|")
}

// ID is the O2 id of the kind's ResourceType.
func (k NodeKind) ID(ids inventory.IDs) string { return ids.Of(sourceNodeKind, k.Key()) }

func (k NodeKind) baseName() string {
	it := k.InstanceType
	if it == "" {
		it = "generic"
	}
	return inventory.ObjectName("node", it, k.Arch)
}

// displayName is the human name of the kind, e.g. "m5.large (amd64)".
func (k NodeKind) displayName() string {
	it := k.InstanceType
	if it == "" {
		it = "generic node"
	}
	if k.Arch == "" {
		return it
	}
	return fmt.Sprintf("%s (%s)", it, k.Arch)
}

// NodeKindTypes returns one ResourceType per kind in namespace. Names are the instance type
// and architecture; kinds that share those (different vendor or model) get a hash suffix.
func NodeKindTypes(ids inventory.IDs, namespace string, kinds []NodeKind) []*v1alpha1.ResourceType {
	byName := map[string][]NodeKind{}
	for _, k := range kinds {
		byName[k.baseName()] = append(byName[k.baseName()], k)
	}
	var out []*v1alpha1.ResourceType
	for _, base := range sortedKeys(byName) {
		group := byName[base]
		sort.Slice(group, func(i, j int) bool { return group[i].Key() < group[j].Key() })
		for _, k := range group {
			name := base
			if len(group) > 1 {
				sum := sha256.Sum256([]byte(k.Key()))
				name = inventory.ObjectName(base[:min(len(base), 54)], hex.EncodeToString(sum[:4]))
			}
			ext := map[string]any{"source": sourceNode}
			if k.InstanceType != "" {
				ext["instanceType"] = k.InstanceType
			}
			if k.Arch != "" {
				ext["architecture"] = k.Arch
			}
			out = append(out, &v1alpha1.ResourceType{
				ObjectMeta: inventory.ManagedMeta(namespace, name, sourceNodeKind+"/"+k.Key()),
				Spec: v1alpha1.ResourceTypeSpec{
					ResourceTypeID: k.ID(ids),
					// The architecture and the provider id's scheme are whatever the kubelet
					// reports, unbounded; the API bounds these fields, and refusing the type
					// would refuse every Resource of its nodes. The id keeps the whole kind.
					Name:          validation.Truncate(k.displayName(), validation.MaxNameLength),
					Description:   validation.Truncate("Kubernetes nodes of kind "+k.displayName(), validation.MaxDescriptionLength),
					Vendor:        validation.Truncate(k.Vendor, validation.MaxNameLength),
					Model:         validation.Truncate(k.Model, validation.MaxNameLength),
					ResourceKind:  k.Kind,
					ResourceClass: v1alpha1.ResourceClassCompute,
					Extensions:    extensions(ext),
				},
			})
		}
	}
	return out
}

// StorageClassType maps a StorageClass to a STORAGE ResourceType.
func StorageClassType(ids inventory.IDs, namespace string, sc *storagev1.StorageClass) *v1alpha1.ResourceType {
	ext := map[string]any{
		"source":       sourceStorageClass,
		"storageClass": sc.Name,
		"provisioner":  sc.Provisioner,
		"default":      sc.Annotations[defaultClassAnnot] == "true",
	}
	if sc.ReclaimPolicy != nil {
		ext["reclaimPolicy"] = string(*sc.ReclaimPolicy)
	}
	if sc.VolumeBindingMode != nil {
		ext["volumeBindingMode"] = string(*sc.VolumeBindingMode)
	}
	if sc.AllowVolumeExpansion != nil {
		ext["allowVolumeExpansion"] = *sc.AllowVolumeExpansion
	}
	if len(sc.Parameters) > 0 {
		ext["parameters"] = sc.Parameters
	}
	return &v1alpha1.ResourceType{
		ObjectMeta: inventory.ManagedMeta(namespace, inventory.ObjectName("storage", sc.Name), sourceStorageClass+"/"+sc.Name),
		Spec: v1alpha1.ResourceTypeSpec{
			ResourceTypeID: ids.Of(sourceStorageClass, string(sc.UID)),
			Name:           sc.Name,
			Description:    "Kubernetes StorageClass " + sc.Name + " (" + sc.Provisioner + ")",
			// A provisioner is a qualified name of up to 317 bytes; the API bounds vendor at
			// 256. The whole name stays in extensions.provisioner.
			Vendor:        validation.Truncate(sc.Provisioner, validation.MaxNameLength),
			ResourceKind:  v1alpha1.ResourceKindLogical,
			ResourceClass: v1alpha1.ResourceClassStorage,
			Extensions:    extensions(ext),
		},
	}
}
