package controller

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// maxSettled bounds the record below: past it the record starts over (every Cluster's
// topology is then compared, and patched when unequal, once more).
const maxSettled = 10000

// settledTopologies records, per Cluster, the topology patch that Cluster API answered without
// changing the Cluster: what the controller wants and what Cluster API keeps are then the same,
// however they compare. Cluster API's defaulting webhook fills in the ClusterClass's defaults
// for properties inside a variable's value (a request's {"size":{"workers":3}} is stored as
// {"size":{"workers":3,"cpu":2}}), which the controller cannot tell from a change without the
// ClusterClass's schema: without the record every reconcile of such a request (each Machine,
// member or status event) sent a PATCH that changed nothing. The patch holds the Cluster's
// resourceVersion, so a record matches only the Cluster as it was when the patch changed
// nothing, and only the same wanted topology.
type settledTopologies struct {
	mu    sync.Mutex
	patch map[types.UID]string
}

// has reports whether patch is known to change nothing of the Cluster uid.
func (s *settledTopologies) has(uid types.UID, patch []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.patch[uid]
	return ok && p == string(patch)
}

// record remembers the outcome of patch sent to the Cluster uid: noop when the Cluster's
// resourceVersion did not move.
func (s *settledTopologies) record(uid types.UID, patch []byte, noop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !noop {
		delete(s.patch, uid)
		return
	}
	if s.patch == nil || len(s.patch) >= maxSettled {
		s.patch = map[types.UID]string{}
	}
	s.patch[uid] = string(patch)
}

// forget drops what is recorded of the Cluster uid (it is being deleted).
func (s *settledTopologies) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.patch, uid)
}
