package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Headers of every notification POST.
const (
	// HeaderSignature carries "sha256=" + hex(HMAC-SHA256(key, body)) when the subscription has
	// a signing secret.
	HeaderSignature = "X-O2IMS-Signature"
	// HeaderNotificationID repeats the body's notificationId, for deduplication without parsing.
	HeaderNotificationID = "X-O2IMS-Notification-ID"
	// HeaderSubscriptionID is the subscription's subscriptionId.
	HeaderSubscriptionID = "X-O2IMS-Subscription-ID"
)

// Sign returns the HeaderSignature value of body under key.
func Sign(key, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature reports whether header is the signature of body under key, in constant time.
func VerifySignature(key, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(key, body)), []byte(header))
}
