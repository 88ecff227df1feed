package inventory

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestObjectName(t *testing.T) {
	for _, tc := range []struct {
		parts []string
		want  string
	}{
		{[]string{"node", "m5.large", "amd64"}, "node-m5.large-amd64"},
		{[]string{"a.-b"}, "a-b-"},
		{[]string{"zone-a"}, "zone-a"},
		{[]string{"node", "small", ""}, "node-small"},
		{[]string{"Zone_A"}, "zone-a-"},
		{[]string{""}, "x-"},
		{[]string{strings.Repeat("a", 80)}, strings.Repeat("a", 54) + "-"},
	} {
		got := ObjectName(tc.parts...)
		if !strings.HasPrefix(got, tc.want) || (!strings.HasSuffix(tc.want, "-") && got != tc.want) {
			t.Errorf("ObjectName(%q) = %q, want %q…", tc.parts, got, tc.want)
		}
		if errs := append(validation.IsDNS1123Subdomain(got), validation.IsValidLabelValue(got)...); len(errs) > 0 {
			t.Errorf("ObjectName(%q) = %q: %v", tc.parts, got, errs)
		}
	}
	if ObjectName("Zone_A") == ObjectName("zone-a") {
		t.Error("names that differ only in characters a DNS label cannot hold must not collide")
	}
}

func TestIDs(t *testing.T) {
	ids, err := NewIDs("262c8f17-52b5-4614-9e56-812ae21fa8a7")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewIDs("8b7d2f4e-5a9c-4e1b-b3d6-0f2a7c9e1d45")
	a := ids.Of("Node", "uid-1")
	if a != ids.Of("Node", "uid-1") {
		t.Error("ids are not deterministic")
	}
	if a == ids.Of("Node", "uid-2") || a == ids.Of("StorageClass", "uid-1") || a == other.Of("Node", "uid-1") {
		t.Error("ids of different sources, kinds or O-Clouds collide")
	}
	if a[14] != '5' {
		t.Errorf("%s is not a version 5 UUID", a)
	}
	if _, err := NewIDs("not-a-uuid"); err == nil {
		t.Error("NewIDs accepted a non-UUID")
	}
	if x := DeriveOCloudID("x"); x != DeriveOCloudID(strings.Clone("x")) || x == DeriveOCloudID("y") {
		t.Error("DeriveOCloudID is not a function of the cluster uid")
	}
}
