package o2dms

// JSON holds one JSON value verbatim.
type JSON struct {
	Raw []byte
}
