package o2ims

// Extensions are O2-IMS key-value metadata whose values may be any JSON value.
type Extensions map[string]JSON

// JSON holds one arbitrary JSON value verbatim.
type JSON struct {
	Raw []byte
}
