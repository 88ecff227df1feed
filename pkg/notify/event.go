package notify

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// EventType is the notificationEventType of an InventoryChangeNotification.
type EventType int

// The event types of O2-IMS.
const (
	Create EventType = 0
	Modify EventType = 1
	Delete EventType = 2
)

func (t EventType) String() string {
	switch t {
	case Create:
		return "CREATE"
	case Modify:
		return "MODIFY"
	case Delete:
		return "DELETE"
	}
	return "UNKNOWN"
}

// Event is one change of an inventory object. Prior is nil for Create, Post nil for Delete.
type Event struct {
	Type      EventType
	Kind      model.Kind
	Namespace string
	Name      string
	// UID is the object's uid, part of the notification id.
	UID string
	// ResourceVersion identifies the change; with UID and Type it makes the notification id.
	ResourceVersion string
	// Rebaseline, set on what a re-baseline tells (rebaselineDiff's CREATEs and MODIFYs), is
	// the resourceVersion of the list it compared with, and part of the notification id. After
	// a rollback an object is told its state again at a resourceVersion whose change was
	// notified before, with other content: under the same id, a receiver that deduplicates by
	// notificationId would drop it.
	Rebaseline string
	// Epoch is the store's epoch (Store.Epoch) the watcher processed the change in, and part
	// of the notification id. A rollback makes the discarded resourceVersions again: a change
	// after it, at a resourceVersion whose discarded change of the same object was notified
	// before with other content, would otherwise have that change's id, and a receiver that
	// deduplicates by notificationId would drop it.
	Epoch       string
	Prior, Post runtime.Object
	// Observed is when the notifier saw the change, for the change-to-POST latency.
	Observed time.Time
	// priorState and postState are Prior and Post as recorded (encodeState), when the watcher
	// has them: the history keeps these instead of the objects. With codec set (the watcher's)
	// they are packed by it, the very bytes of the watcher's recorded states.
	priorState, postState []byte
	codec                 *stateCodec
}
