package apiserver

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
)

// TestGroupOffersNoProtobuf: the o2ims.oran.org types have no protobuf encoding, so the group
// must not offer it (a client preferring protobuf then gets JSON instead of an encoding error),
// while JSON and YAML stay offered.
func TestGroupOffersNoProtobuf(t *testing.T) {
	_, codecs := NewScheme()
	offered := map[string]bool{}
	for _, info := range (withoutProtobuf{codecs}).SupportedMediaTypes() {
		offered[info.MediaType] = true
	}
	if offered[runtime.ContentTypeProtobuf] {
		t.Errorf("protobuf is offered: %v", offered)
	}
	for _, want := range []string{runtime.ContentTypeJSON, runtime.ContentTypeYAML} {
		if !offered[want] {
			t.Errorf("%s is not offered: %v", want, offered)
		}
	}
}

// TestRegressionNumberBeyondFloat64IsABadRequest: a body whose free-form value held a number
// beyond float64's range (1e400, -1e400, a 400-digit integer) decoded, and the field manager,
// which the handler runs on every create, update, patch and apply before anything else,
// panicked converting it (structured-merge-diff reads every number as a float64). The client
// got kube-apiserver's 503 "Error trying to reach service: stream error", as if netweave were
// down, and netweave logged a panic for each such request. Such a body is refused where it is
// decoded, as a 400 naming the value, strict or not.
func TestRegressionNumberBeyondFloat64IsABadRequest(t *testing.T) {
	_, codecs := NewScheme()
	bodies := map[string]string{
		"extension": `{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"Location","metadata":{"name":"l"},` +
			`"spec":{"globalLocationId":"g","name":"l","extensions":{"v":{"a":[1,1e400]}}}}`,
		"negative": `{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"Location","metadata":{"name":"l"},` +
			`"spec":{"globalLocationId":"g","name":"l","extensions":{"v":-1e400}}}`,
		"digits": `{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"Location","metadata":{"name":"l"},` +
			`"spec":{"globalLocationId":"g","name":"l","extensions":{"v":` + strings.Repeat("9", 400) + `}}}`,
		"values": `{"apiVersion":"o2dms.oran.org/v1alpha1","kind":"NfDeployment","metadata":{"name":"d"},` +
			`"spec":{"values":{"replicas":1e400}}}`,
	}
	typed := managedfields.NewDeducedTypeConverter()
	for _, info := range (withoutProtobuf{codecs}).SupportedMediaTypes() {
		if info.MediaType != runtime.ContentTypeJSON {
			continue // YAML's converter already reads such a number as a string or a float64
		}
		for _, strict := range []bool{false, true} {
			s := info.Serializer
			if strict {
				s = info.StrictSerializer
			}
			for name, body := range bodies {
				obj, _, err := s.Decode([]byte(body), nil, nil)
				if err == nil {
					// What the handler does next: the field manager's typed conversion.
					func() {
						defer func() {
							if r := recover(); r != nil {
								t.Errorf("%s (strict %v): decoded, then the field manager panicked: %v", name, strict, r)
							}
						}()
						_, _ = typed.ObjectToTyped(obj)
					}()
					t.Errorf("%s (strict %v): decoded, want an error naming the number", name, strict)
					continue
				}
				if !strings.Contains(err.Error(), "beyond") {
					t.Errorf("%s (strict %v): %v, want an error naming the number beyond float64", name, strict, err)
				}
			}
			// Numbers a float64 holds, however written, still decode.
			ok := `{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"Location","metadata":{"name":"l"},` +
				`"spec":{"globalLocationId":"g","name":"l","extensions":{"v":[1e308,1e-400,18446744073709551615,-0]}}}`
			if _, _, err := s.Decode([]byte(ok), nil, nil); err != nil {
				t.Errorf("numbers within float64 (strict %v): %v", strict, err)
			}
		}
	}
}
