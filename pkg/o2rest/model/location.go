package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// LocationInfoV2 is a LocationInfo (spec 11 only). oCloudSiteIDs are the oCloudSiteIds of the
// sites at this location, which the caller derives from the OCloudSite objects.
func LocationInfoV2(l *v1alpha1.Location, oCloudSiteIDs []string) map[string]any {
	s := &l.Spec
	m := make(map[string]any, 8)
	m["globalLocationId"] = s.GlobalLocationID
	m["name"] = s.Name
	m["description"] = s.Description
	m["oCloudSiteIds"] = stringList(oCloudSiteIDs)
	if s.Coordinate != nil {
		m["coordinate"] = coordinate(s.Coordinate)
	}
	if len(s.CivicAddress) > 0 {
		civic := make([]any, len(s.CivicAddress))
		for i, e := range s.CivicAddress {
			civic[i] = map[string]any{"caType": int64(e.CAType), "caValue": e.CAValue}
		}
		m["civicAddress"] = civic
	}
	if s.Address != "" {
		m["address"] = s.Address
	}
	m["extensions"] = extensionsObject(s.Extensions)
	return m
}

// coordinate maps a GeoJSON Point; its type can only be "Point", so an unset type is that.
func coordinate(p *v1alpha1.GeoPoint) map[string]any {
	coords := make([]any, len(p.Coordinates))
	for i, c := range p.Coordinates {
		coords[i] = c
	}
	return map[string]any{"type": orDefault(p.Type, "Point"), "coordinates": coords}
}
