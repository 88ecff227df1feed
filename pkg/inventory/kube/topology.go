package kube

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/inventory"
)

// Topology is where a node is: its region and zone labels.
type Topology struct {
	Region string
	Zone   string
}

// TopologyOf reads a node's topology labels.
func TopologyOf(node *corev1.Node) Topology {
	return Topology{Region: nodeRegion(node), Zone: nodeZone(node)}
}

// locationKey is the region, or the zone when the node has no region.
func (t Topology) locationKey() string {
	if t.Region != "" {
		return t.Region
	}
	return t.Zone
}

// LocationID is the globalLocationId of the topology's Location, "" when it has none.
func (t Topology) LocationID(ids inventory.IDs) string {
	if t.locationKey() == "" {
		return ""
	}
	return ids.Of(sourceLocation, t.locationKey())
}

// SiteID is the oCloudSiteId of the topology's zone, "" when it has none.
func (t Topology) SiteID(ids inventory.IDs) string {
	if t.Zone == "" {
		return ""
	}
	return ids.Of(sourceSite, t.Region+"/"+t.Zone)
}

// describe is human text for a pool's location field.
func (t Topology) describe() string {
	switch {
	case t.Region != "" && t.Zone != "":
		return t.Region + "/" + t.Zone
	case t.Zone != "":
		return t.Zone
	default:
		return t.Region
	}
}

// Location is the inventory v2 Location of a region (or of a zone without a region).
func Location(ids inventory.IDs, namespace string, t Topology) *v1alpha1.Location {
	key := t.locationKey()
	kind := "region"
	if t.Region == "" {
		kind = "zone"
	}
	return &v1alpha1.Location{
		ObjectMeta: inventory.ManagedMeta(namespace, inventory.ObjectName(key), sourceLocation+"/"+key),
		Spec: v1alpha1.LocationSpec{
			GlobalLocationID: t.LocationID(ids),
			Name:             key,
			Description:      "Nodes in " + kind + " " + key,
			Extensions:       extensions(map[string]any{"source": "NodeTopology", kind: key}),
		},
	}
}

// Site is the OCloudSite of a zone.
func Site(ids inventory.IDs, namespace string, t Topology) *v1alpha1.OCloudSite {
	ext := map[string]any{"source": "NodeTopology", "zone": t.Zone}
	if t.Region != "" {
		ext["region"] = t.Region
	}
	return &v1alpha1.OCloudSite{
		ObjectMeta: inventory.ManagedMeta(namespace, inventory.ObjectName(t.describe()), sourceSite+"/"+t.Region+"/"+t.Zone),
		Spec: v1alpha1.OCloudSiteSpec{
			OCloudSiteID:     t.SiteID(ids),
			GlobalLocationID: t.LocationID(ids),
			Name:             t.Zone,
			Description:      "Nodes in zone " + t.describe(),
			Extensions:       extensions(ext),
		},
	}
}
