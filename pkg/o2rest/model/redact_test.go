package model

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestRedact(t *testing.T) {
	raw := `{"name":"edge","description":"has a token in its text",
		"extensions":{"profileData":{"cluster":"x"},"site":{"name":"a","apiToken":"t0k"},"list":[{"Password":"p"},{"port":80}],"tokenCount":3},
		"capabilities":{"kubeconfig":"apiVersion: v1"},"capacity":{"cpu":"4"}}`
	var doc map[string]any
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	var before map[string]any
	_ = json.Unmarshal([]byte(raw), &before)

	got, changed := Redact(doc)
	if !changed {
		t.Fatal("nothing redacted")
	}
	if !reflect.DeepEqual(doc, before) {
		t.Errorf("Redact modified its input: %v", doc)
	}
	ext := got["extensions"].(map[string]any)
	if ext["profileData"] != Redacted || ext["tokenCount"] != Redacted {
		t.Errorf("extensions: %v", ext)
	}
	if site := ext["site"].(map[string]any); site["apiToken"] != Redacted || site["name"] != "a" {
		t.Errorf("nested object: %v", site)
	}
	if list := ext["list"].([]any); list[0].(map[string]any)["Password"] != Redacted || list[1].(map[string]any)["port"] != float64(80) {
		t.Errorf("array: %v", list)
	}
	if got["capabilities"].(map[string]any)["kubeconfig"] != Redacted {
		t.Errorf("capabilities: %v", got["capabilities"])
	}
	// Schema attributes carry no credentials: their text stays, whatever words it holds.
	if got["description"] != "has a token in its text" || got["name"] != "edge" {
		t.Errorf("schema attributes changed: %v", got)
	}
	// Untouched subtrees are shared, not copied.
	if reflect.ValueOf(got["capacity"]).UnsafePointer() != reflect.ValueOf(doc["capacity"]).UnsafePointer() {
		t.Error("capacity was copied although nothing in it is a credential")
	}
}

func TestRedactNothingToRedact(t *testing.T) {
	doc := map[string]any{"name": "p", "extensions": map[string]any{"country": "CA", "cpu": map[string]any{"cores": 32.0}}}
	got, changed := Redact(doc)
	if changed {
		t.Errorf("redacted %v", got)
	}
	if reflect.ValueOf(got).UnsafePointer() != reflect.ValueOf(doc).UnsafePointer() {
		t.Error("a document without credentials must be returned as is")
	}
}
