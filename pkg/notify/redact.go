package notify

import "strings"

// redacted replaces the value of a sensitive key.
const redacted = "REDACTED"

// sensitiveWords mark keys whose values are credentials: oran-o2ims keeps a cluster's
// credentials in the deployment manager's extensions.profileData, and operators put tokens,
// passwords and kubeconfigs in extensions under names like these.
func sensitiveKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range [...]string{"profiledata", "secret", "password", "passwd", "token", "credential", "kubeconfig", "privatekey", "private_key", "private-key", "apikey", "api_key", "api-key"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// redact replaces, in place, the values of sensitive keys anywhere inside the free-form objects
// of a document (extensions, capabilities, capacity); the schema-defined attributes carry no
// credentials.
func redact(doc map[string]any) {
	for _, attr := range [...]string{"extensions", "capabilities", "capacity"} {
		if m, ok := doc[attr].(map[string]any); ok {
			redactValue(m)
		}
	}
}

func redactValue(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if sensitiveKey(k) {
				x[k] = redacted
				continue
			}
			redactValue(val)
		}
	case []any:
		for _, e := range x {
			redactValue(e)
		}
	}
}
