package inventory

import (
	"fmt"

	"github.com/google/uuid"
)

// oCloudNamespace is the UUIDv5 namespace of O-Cloud ids derived from a cluster's identity.
const oCloudNamespace = "0a4a3a6e-77d0-5b8e-9a0b-6f2c1d4e8b71"

// IDs derives the O2 ids of synced objects: UUIDv5 of the O-Cloud id and the source object's
// kind and key (its uid, or a label value for pools made from labels). The same cluster gives
// the same ids after the store is wiped and re-synced.
//
// The objects of a member cluster (see Member) derive from the member's own id space instead:
//
//	space(member) = UUIDv5(oCloudId, "member/" + member name)
//	id            = UUIDv5(space(member), kind + "/" + key)
//
// so two members with a Node of the same name, or the same zone labels, get distinct ids, and
// a member keeps its ids across restarts, re-syncs and re-registrations under the same name.
type IDs struct {
	ocloud uuid.UUID
	// space is what ids derive from: the O-Cloud id, or a member's space.
	space uuid.UUID
}

// NewIDs returns the id space of the O-Cloud oCloudID, which must be a UUID.
func NewIDs(oCloudID string) (IDs, error) {
	id, err := uuid.Parse(oCloudID)
	if err != nil {
		return IDs{}, fmt.Errorf("O-Cloud id %q: %w", oCloudID, err)
	}
	return IDs{ocloud: id, space: id}, nil
}

// OCloudID is the O-Cloud's own id.
func (i IDs) OCloudID() string { return i.ocloud.String() }

// Of returns the id of the object made from the source of kind with key.
func (i IDs) Of(kind, key string) string {
	return uuid.NewSHA1(i.space, []byte(kind+"/"+key)).String()
}

// Member returns the id space of the member cluster named member in the same O-Cloud: its
// objects report the same oCloudId, and their ids derive from the member's name.
func (i IDs) Member(member string) IDs {
	return IDs{ocloud: i.ocloud, space: uuid.NewSHA1(i.ocloud, []byte("member/"+member))}
}

// DeriveOCloudID is the O-Cloud id of a cluster identified by clusterUID (the uid of its
// kube-system namespace) when none is configured.
func DeriveOCloudID(clusterUID string) string {
	return uuid.NewSHA1(uuid.MustParse(oCloudNamespace), []byte("cluster/"+clusterUID)).String()
}
