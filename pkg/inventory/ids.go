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
type IDs struct {
	ocloud uuid.UUID
}

// NewIDs returns the id space of the O-Cloud oCloudID, which must be a UUID.
func NewIDs(oCloudID string) (IDs, error) {
	id, err := uuid.Parse(oCloudID)
	if err != nil {
		return IDs{}, fmt.Errorf("O-Cloud id %q: %w", oCloudID, err)
	}
	return IDs{ocloud: id}, nil
}

// OCloudID is the O-Cloud's own id.
func (i IDs) OCloudID() string { return i.ocloud.String() }

// Of returns the id of the object made from the source of kind with key.
func (i IDs) Of(kind, key string) string {
	return uuid.NewSHA1(i.ocloud, []byte(kind+"/"+key)).String()
}

// DeriveOCloudID is the O-Cloud id of a cluster identified by clusterUID (the uid of its
// kube-system namespace) when none is configured.
func DeriveOCloudID(clusterUID string) string {
	return uuid.NewSHA1(uuid.MustParse(oCloudNamespace), []byte("cluster/"+clusterUID)).String()
}
