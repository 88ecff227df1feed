package apiserver

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
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
