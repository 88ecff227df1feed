package v1alpha1

// Labels and annotations of the o2ims.oran.org group that more than one component reads: they
// live with the API so that the O2 face and the notifier share them without importing each other.
const (
	// AnnotationNotificationVersion is the inventory major version ("1" or "2") whose documents
	// an InventorySubscription receives; the O2 POST sets it to the version it was called on.
	// Absent means 1. It only picks a document shape: it grants nothing.
	AnnotationNotificationVersion = "o2ims.oran.org/notification-version"
)
