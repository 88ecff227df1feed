package model

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// Redacted replaces the value of a credential in a document.
const Redacted = "REDACTED"

// sensitiveWords mark keys whose values are credentials: oran-o2ims keeps a cluster's
// credentials in the deployment manager's extensions.profileData, and operators put tokens,
// passwords and kubeconfigs in extensions under names like these.
var sensitiveWords = [...]string{"profiledata", "secret", "password", "passwd", "token", "credential", "kubeconfig",
	"privatekey", "private_key", "private-key", "apikey", "api_key", "api-key"}

func sensitiveKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range sensitiveWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// redactedAttributes are the free-form objects of a document; the schema-defined attributes
// carry no credentials. clusterInstanceDefaults is a template's defaults document's: the
// defaults of the parameters a request's templateParameters give, which are redacted there.
var redactedAttributes = [...]string{"extensions", "capabilities", "capacity", "clusterInstanceDefaults"}

// Redact returns doc with the value of every credential-like key anywhere inside its free-form
// objects (extensions, capabilities, capacity, those of a Resource's elements, and a
// ProvisioningRequestInfo's provisioningRequestData/templateParameters) replaced by Redacted, and whether it replaced
// anything. It is the one redaction of netweave: notifications and the O2 REST face both use
// it, so a document reads the same on both.
//
// doc is not modified: the result shares with doc every subtree that needed no change, so a
// document without credentials is returned as is (and cached documents, which are shared
// between requests, stay intact).
func Redact(doc map[string]any) (map[string]any, bool) {
	var out map[string]any
	for _, attr := range redactedAttributes {
		v, ok := doc[attr]
		if !ok {
			continue
		}
		redact := redactValue
		if attr != "extensions" {
			redact = redactTextValues
		}
		nv, changed := redact(v)
		if !changed {
			continue
		}
		if out == nil {
			out = maps.Clone(doc)
		}
		out[attr] = nv
	}
	// A Resource's elements are whole Resources, each with its own free-form objects.
	if els, ok := doc["elements"].([]any); ok {
		if nels, changed := redactEach(els, redactElement); changed {
			if out == nil {
				out = maps.Clone(doc)
			}
			out["elements"] = nels
		}
	}
	// A template's parameterSchema is a schema, not values: only the defaults in it are.
	if schema, ok := doc["parameterSchema"].(map[string]any); ok {
		if ns, changed := redactSchemaDefaults(schema, false); changed {
			if out == nil {
				out = maps.Clone(doc)
			}
			out["parameterSchema"] = ns
		}
	}
	if nd, changed := redactTemplateParameters(doc); changed {
		if out == nil {
			out = nd
		} else {
			out["provisioningRequestData"] = nd["provisioningRequestData"]
		}
	}
	if out == nil {
		return doc, false
	}
	return out, true
}

// RedactTemplateDefaults is Redact for a template's defaults document
// (ManagedInfrastructureTemplateDefaults), which is values throughout: clusterInstanceDefaults
// is redacted as Redact does it, and so is every other member, policyTemplateDefaults (the
// schema's other defaults) and whatever else the template's spec.defaults holds, a
// credential-like key at its top included. Redact alone knows only clusterInstanceDefaults.
func RedactTemplateDefaults(doc map[string]any) (map[string]any, bool) {
	out, changed := redactMap(doc, redactTextValues)
	return out.(map[string]any), changed
}

// redactValue redacts v copy-on-write: containers are cloned only on the path to a change.
func redactValue(v any) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return redactMap(x, redactValue)
	case []any:
		return redactEach(x, redactValue)
	}
	return v, false
}

// redactMap redacts x copy-on-write: a credential-like key's value replaced whole, any other
// value by redact.
func redactMap(x map[string]any, redact func(any) (any, bool)) (any, bool) {
	var out map[string]any
	for k, val := range x {
		nv := any(Redacted)
		if !sensitiveKey(k) {
			var changed bool
			if nv, changed = redact(val); !changed {
				continue
			}
		}
		if out == nil {
			out = maps.Clone(x)
		}
		out[k] = nv
	}
	if out == nil {
		return x, false
	}
	return out, true
}

// redactTextValues redacts a capabilities or capacity object, whose values v1 documents give
// as the JSON text of what is stored (stringValuesObject): a credential inside such a text is
// as much a credential as one inside a v2 object, so a value that is the text of a JSON object
// or array is read, redacted and written again. A string of a v2 document that happens to read
// as JSON is redacted the same way: it errs towards hiding.
func redactTextValues(v any) (any, bool) {
	x, ok := v.(map[string]any)
	if !ok {
		return redactValue(v)
	}
	return redactMap(x, func(val any) (any, bool) {
		if text, ok := val.(string); ok {
			return redactJSONText(text)
		}
		return redactValue(val)
	})
}

// redactJSONText redacts text when it is the JSON text of an object or array, giving the
// compact text of the redacted value.
func redactJSONText(text string) (string, bool) {
	t := strings.TrimSpace(text)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return text, false
	}
	val := decodeValue([]byte(t))
	if _, isText := val.(string); isText {
		return text, false // not JSON after all
	}
	nv, changed := redactValue(val)
	if !changed {
		return text, false
	}
	b, err := json.Marshal(nv)
	if err != nil {
		return Redacted, true
	}
	return string(b), true
}

// redactSchemaDefaults redacts the default values of a JSON schema and of every schema nested
// in it under properties, items or additionalProperties: a property with a credential-like name
// (sensitive) has its default replaced whole, any other default is redacted as a value.
// Copy-on-write, as redactValue.
func redactSchemaDefaults(schema map[string]any, sensitive bool) (map[string]any, bool) {
	var out map[string]any
	set := func(k string, v any) {
		if out == nil {
			out = maps.Clone(schema)
		}
		out[k] = v
	}
	if d, ok := schema["default"]; ok {
		if sensitive {
			set("default", Redacted)
		} else if nd, changed := redactValue(d); changed {
			set("default", nd)
		}
	}
	if props, ok := schema["properties"].(map[string]any); ok {
		var nprops map[string]any
		for name, p := range props {
			ps, ok := p.(map[string]any)
			if !ok {
				continue
			}
			if nps, changed := redactSchemaDefaults(ps, sensitiveKey(name)); changed {
				if nprops == nil {
					nprops = maps.Clone(props)
				}
				nprops[name] = nps
			}
		}
		if nprops != nil {
			set("properties", nprops)
		}
	}
	for _, k := range [...]string{"items", "additionalProperties"} {
		if sub, ok := schema[k].(map[string]any); ok {
			if nsub, changed := redactSchemaDefaults(sub, sensitive); changed {
				set(k, nsub)
			}
		}
	}
	if out == nil {
		return schema, false
	}
	return out, true
}

// redactEach applies redact to every item of xs copy-on-write: xs is cloned only when an item
// changed.
func redactEach(xs []any, redact func(any) (any, bool)) ([]any, bool) {
	var out []any
	for i, e := range xs {
		ne, changed := redact(e)
		if !changed {
			continue
		}
		if out == nil {
			out = slices.Clone(xs)
		}
		out[i] = ne
	}
	if out == nil {
		return xs, false
	}
	return out, true
}

// redactElement redacts an element of a Resource, a Resource itself.
func redactElement(e any) (any, bool) {
	m, ok := e.(map[string]any)
	if !ok {
		return e, false
	}
	return Redact(m)
}

// Unredact puts back into doc, in place, the stored value of every credential-like key of its
// free-form objects that reads Redacted, where stored (the document as stored, unredacted) has
// that key at the same place. A client that read a redacted document and writes it back (a PUT
// of what GET showed, with one field changed) keeps the credentials it could not see instead of
// overwriting them with the marker; a new value it sends is kept.
func Unredact(doc, stored map[string]any) {
	for _, attr := range redactedAttributes {
		if v, ok := doc[attr]; ok {
			doc[attr] = unredactValue(v, stored[attr])
		}
	}
}

func unredactValue(v, stored any) any {
	switch x := v.(type) {
	case map[string]any:
		sm, ok := stored.(map[string]any)
		if !ok {
			return v
		}
		for k, val := range x {
			sv, has := sm[k]
			switch {
			case !has:
			case sensitiveKey(k) && val == Redacted:
				x[k] = sv
			default:
				x[k] = unredactValue(val, sv)
			}
		}
	case []any:
		sl, ok := stored.([]any)
		if !ok {
			return v
		}
		for i := range min(len(x), len(sl)) {
			x[i] = unredactValue(x[i], sl[i])
		}
	}
	return v
}
