package notify

import (
	"strconv"

	"github.com/google/uuid"
)

// version identifies one recorded state of an object: its uid and resourceVersion. The
// notifier holds one for every object it processed; as strings they cost ~90 bytes each (two
// headers, two allocations), as what every object of this server has, a UUID and a decimal
// revision, 24 bytes and no allocation. Anything else (a uid not in the UUID's canonical form,
// a revision that is not a plain decimal number) is kept as given.
type version struct {
	uid   uuid.UUID
	rv    uint64
	other *otherVersion
}

// otherVersion is a version not in the compact form.
type otherVersion struct{ uid, rv string }

func versionOf(uid, rv string) version {
	u, errUID := uuid.Parse(uid)
	n, errRV := strconv.ParseUint(rv, 10, 64)
	if errUID == nil && errRV == nil && u.String() == uid && strconv.FormatUint(n, 10) == rv {
		return version{uid: u, rv: n}
	}
	return version{other: &otherVersion{uid: uid, rv: rv}}
}

func (v version) uidString() string {
	if v.other != nil {
		return v.other.uid
	}
	return v.uid.String()
}

func (v version) resourceVersion() string {
	if v.other != nil {
		return v.other.rv
	}
	return strconv.FormatUint(v.rv, 10)
}

// is reports whether v is the state uid and rv name.
func (v version) is(uid, rv string) bool { return v.sameUID(uid) && v.resourceVersion() == rv }

// sameUID reports whether v is a state of the object uid names.
func (v version) sameUID(uid string) bool { return v.uidString() == uid }
