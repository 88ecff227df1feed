package notify

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
)

// notificationNamespace is the RFC 9562 name-space UUID of netweave notification ids.
var notificationNamespace = [16]byte{0x6e, 0x77, 0x2d, 0x6e, 0x6f, 0x74, 0x49, 0x66, 0x80, 0x79, 0x6e, 0x65, 0x74, 0x77, 0x65, 0x76}

// NotificationID is a name-based (version 5) UUID of the subscription and the change: unique
// per event and subscription, and the same whenever the same change is emitted again (after a
// restart, a re-list) so that receivers can deduplicate.
func NotificationID(subscriptionUID string, ev *Event) string {
	return notificationID(subscriptionUID, ev, int(ev.Type))
}

// notificationID is NotificationID with the notified event type: an alarm change may be
// notified as two event types (a CLEAR and an ACKNOWLEDGE of one update), each with its id.
func notificationID(subscriptionUID string, ev *Event, eventType int) string {
	h := sha1.New()
	h.Write(notificationNamespace[:])
	parts := []string{subscriptionUID, string(ev.Kind), ev.UID, ev.ResourceVersion, strconv.Itoa(eventType)}
	if ev.Rebaseline != "" {
		parts = append(parts, "rebaseline", ev.Rebaseline)
	}
	if ev.Epoch != "" {
		parts = append(parts, "epoch", ev.Epoch)
	}
	for _, part := range parts {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	var buf [36]byte
	hex.Encode(buf[0:8], u[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], u[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], u[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], u[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], u[10:])
	return string(buf[:])
}
