package query

const uuidLen = 36

// isUUID reports whether s is a UUID in the canonical 8-4-4-4-12 hex form
// (either case) — the only form O2-IMS ids take, and the one the API
// server's validation accepts. Braced, URN and undashed forms are plain
// strings here.
func isUUID(s string) bool {
	if len(s) != uuidLen {
		return false
	}
	for i := 0; i < uuidLen; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// IsUUID reports whether s is a UUID in the canonical 8-4-4-4-12 hex form (either case), as
// filters compare them.
func IsUUID(s string) bool { return isUUID(s) }
