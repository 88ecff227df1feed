package validation

import (
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/o2ims"
)

const (
	// MaxExtensionsBytes bounds one free-form map (extensions, capabilities, capacity,
	// alarmAdditionalFields) by its approximate serialized size. Every write is copied into the
	// Redis change history and into each matching subscription's queue, and every object is held
	// in the informers of the gateway and its controllers: a 16 KiB map is ample for O2-IMS
	// metadata (vendor keys, a few nested values) and keeps an object's share of that memory
	// small and predictable.
	MaxExtensionsBytes = 16 * 1024
	// maxExtensionKeyLength bounds a single key of a free-form map.
	maxExtensionKeyLength = 256
	// maxKeywords bounds a list of short keywords (tags, groups, management interfaces).
	maxKeywords = 256
	// maxElements bounds a Resource's elements: each may carry its own extensions map.
	maxElements = 256
	// maxCivicAddressElements bounds a Location's civic address (RFC 4776 defines fewer than
	// 40 CAtypes; a few repeats are allowed).
	maxCivicAddressElements = 64
	// perEntryOverhead approximates the JSON punctuation around one map entry: two quotes
	// around the key, the colon and the comma.
	perEntryOverhead = 4
)

// tooLong reports value as too long. The value is kept in BadValue (apimachinery does not print
// it for TooLong) so that Ratchet can tell an unchanged legacy value from a new one.
func tooLong(path *field.Path, value any, limit int) *field.Error {
	e := field.TooLong(path, "", limit)
	e.BadValue = value
	return e
}

// validateExtensions requires non-empty, bounded keys and bounds the map's serialized size.
func validateExtensions(ext o2ims.Extensions, path *field.Path) field.ErrorList {
	size := 0
	var errs field.ErrorList
	for k, v := range ext {
		errs = append(errs, validateMapKey(k, path)...)
		size += len(k) + len(v.Raw) + perEntryOverhead
	}
	if size > MaxExtensionsBytes {
		errs = append(errs, tooLong(path, ext, MaxExtensionsBytes))
	}
	return errs
}

// validateStringMap is validateExtensions for maps of strings (alarmAdditionalFields).
func validateStringMap(m map[string]string, path *field.Path) field.ErrorList {
	size := 0
	var errs field.ErrorList
	for k, v := range m {
		errs = append(errs, validateMapKey(k, path)...)
		// Two more quotes around the value.
		size += len(k) + len(v) + perEntryOverhead + 2
	}
	if size > MaxExtensionsBytes {
		errs = append(errs, tooLong(path, m, MaxExtensionsBytes))
	}
	return errs
}

func validateMapKey(k string, path *field.Path) field.ErrorList {
	switch {
	case k == "":
		return field.ErrorList{field.Invalid(path, k, "keys must not be empty")}
	case len(k) > maxExtensionKeyLength:
		// The path names the map, not the key: the key itself is what is too long to show.
		return field.ErrorList{tooLong(path, k, maxExtensionKeyLength)}
	}
	return nil
}

// Ratchet drops from errs the size errors (too long, too many) that old has too, identically:
// the Kubernetes convention for tightened validation is that an update which leaves an
// oversized legacy field as it was still succeeds, while a changed field is held to the limit.
// A too-long error carries the value itself, so only an unchanged value is let through; a
// too-many error carries the item count, so a list left at the same over-limit length is let
// through too.
func Ratchet(errs, old field.ErrorList) field.ErrorList {
	if len(errs) == 0 || len(old) == 0 {
		return errs
	}
	var kept field.ErrorList
	for _, e := range errs {
		if !isSizeError(e) || !containsError(old, e) {
			kept = append(kept, e)
		}
	}
	return kept
}

func isSizeError(e *field.Error) bool {
	return e.Type == field.ErrorTypeTooLong || e.Type == field.ErrorTypeTooMany
}

func containsError(list field.ErrorList, e *field.Error) bool {
	for _, o := range list {
		if o.Type == e.Type && o.Field == e.Field && equality.Semantic.DeepEqual(o.BadValue, e.BadValue) {
			return true
		}
	}
	return false
}
