package validation

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/jsonparams"
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
	// MaxExtensionsDepth bounds how deeply one value of a free-form map nests arrays and
	// objects. Within the 16 KiB bound a value nested 8,000 deep fits, and encoding/json
	// encodes past 1,000 levels at some 50 times the cost of a flat value (it checks every
	// level for cycles): a Resource whose elements carried such values cost about a second
	// of CPU for each O2 list with a selection or filter and each notification, where a
	// flat one costs 20 ms. Metadata nests a few levels.
	MaxExtensionsDepth = 64
	// maxExtensionKeyLength bounds a single key of a free-form map.
	maxExtensionKeyLength = 256
	// maxKeywords bounds a list of short keywords (tags, groups, management interfaces).
	maxKeywords = 256
	// MaxKeywords and MaxKeywordLength are the bounds of a keyword list and of one keyword,
	// for whoever derives keywords from elsewhere (the inventory sync's node tags).
	MaxKeywords      = maxKeywords
	MaxKeywordLength = maxNameLength
	// MaxNameLength, MaxDescriptionLength and MaxIDLength bound names, descriptions and
	// free-form ids (globalAssetId), for whoever derives them from elsewhere (the inventory
	// sync's Nodes and StorageClasses).
	MaxNameLength        = maxNameLength
	MaxDescriptionLength = maxDescriptionLength
	MaxIDLength          = maxIDLength
	// MaxURILength and MaxFilterLength bound a subscription's callback and filter, for the O2
	// face, which refuses longer ones before it resolves the callback.
	MaxURILength    = maxURILength
	MaxFilterLength = maxFilterLength
	// maxElements bounds a Resource's elements: each may carry its own extensions map.
	maxElements = 256
	// maxCivicAddressElements bounds a Location's civic address (RFC 4776 defines fewer than
	// 40 CAtypes; a few repeats are allowed).
	maxCivicAddressElements = 64
	// maxPurgeRecords bounds the alarm records one AlarmPurge names: each is resolved (one
	// Redis lookup) before the purge is admitted, and a window (purgeConditions) purges any
	// number at once.
	maxPurgeRecords = 1000
	// MaxErrors bounds the errors one write is answered with (see Capped).
	MaxErrors = 100
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
	// Keys in order: Go walks a map in random order, and one object must get one answer.
	for _, k := range slices.Sorted(maps.Keys(ext)) {
		errs = append(errs, validateMapKey(k, path)...)
		size += ExtensionEntrySize(k, ext[k].Raw)
		if _, depth := jsonparams.Shape(ext[k].Raw); depth > MaxExtensionsDepth {
			// A size error, so that Ratchet lets an unchanged legacy value through.
			e := field.TooLong(path.Key(k), "", MaxExtensionsDepth)
			e.BadValue, e.Detail = string(ext[k].Raw), fmt.Sprintf("must not nest arrays and objects more than %d deep", MaxExtensionsDepth)
			errs = append(errs, e)
		}
	}
	if size > MaxExtensionsBytes {
		errs = append(errs, tooLong(path, ext, MaxExtensionsBytes))
	}
	return errs
}

// ExtensionEntrySize is what one entry of a free-form map counts towards MaxExtensionsBytes,
// so that whoever derives a map from elsewhere can keep it within the bound the API applies:
// its bytes, and jsonparams.ValueWeight for each array, object, item and member inside its
// value (jsonparams.Shape). The O2 face and the notifier decode every value to render it
// (and the O2 face keeps the rendering of each object version it served): 16 KiB of
// [{},{},...] decoded to 400 KiB, so a Resource whose 180 elements carried such maps held 67
// MiB of the translator's heap for 2.8 MiB stored.
func ExtensionEntrySize(key string, raw []byte) int {
	values, _ := jsonparams.Shape(raw)
	return len(key) + len(raw) + perEntryOverhead + jsonparams.ValueWeight*values
}

// validateStringMap is validateExtensions for maps of strings (alarmAdditionalFields).
func validateStringMap(m map[string]string, path *field.Path) field.ErrorList {
	size := 0
	var errs field.ErrorList
	for _, k := range slices.Sorted(maps.Keys(m)) {
		errs = append(errs, validateMapKey(k, path)...)
		// Two more quotes around the value.
		size += len(k) + len(m[k]) + perEntryOverhead + 2
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
	// Old's size errors by place, so an update is not compared against every old error.
	oldAt := map[errorPlace]field.ErrorList{}
	for _, o := range old {
		if isSizeError(o) {
			p := errorPlace{o.Type, o.Field}
			oldAt[p] = append(oldAt[p], o)
		}
	}
	var kept field.ErrorList
	for _, e := range errs {
		if !isSizeError(e) || !containsError(oldAt[errorPlace{e.Type, e.Field}], e) {
			kept = append(kept, e)
		}
	}
	return kept
}

type errorPlace struct {
	t    field.ErrorType
	path string
}

// Capped keeps at most MaxErrors of errs, and says how many more there were in a last error
// at the first left-out error's path. Every error of a refused write is rendered into one
// Status message, and apimachinery joins them with a cost that grows with the square of their
// number: an object of a few MB with hundreds of thousands of bad list items (empty keywords,
// invalid labels) kept the server busy for minutes and timed the request out, where a bounded
// list answers a 422 at once. When errs are cut they are sorted first (by path, then text), so
// the same object always gets the same errors whatever order map walks produced them in.
func Capped(errs field.ErrorList) field.ErrorList {
	if len(errs) <= MaxErrors {
		return errs
	}
	type keyed struct {
		e   *field.Error
		key string
	}
	all := make([]keyed, len(errs))
	for i, e := range errs {
		all[i] = keyed{e, e.Error()}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].e.Field != all[j].e.Field {
			return all[i].e.Field < all[j].e.Field
		}
		return all[i].key < all[j].key
	})
	out := make(field.ErrorList, 0, MaxErrors)
	for _, k := range all[:MaxErrors-1] {
		out = append(out, k.e)
	}
	last := *all[MaxErrors-1].e
	last.Detail = strings.TrimPrefix(fmt.Sprintf("%s (and %d more errors not shown)", last.Detail, len(errs)-MaxErrors), " ")
	return append(out, &last)
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

// Truncate keeps s within n bytes, cut on a rune boundary and ended with "…" when cut: for
// text a controller copies from elsewhere (Cluster API's conditions, an alert's annotations,
// an error) into a field validation bounds at n, so that the write is never refused for it.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := max(n-len("…"), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
