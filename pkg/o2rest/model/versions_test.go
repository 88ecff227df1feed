package model_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
	"github.com/netweave-io/netweave/pkg/o2rest/model/modeltest"
)

func TestAPIVersions(t *testing.T) {
	v := modeltest.New(t)
	all := model.APIVersionsOf(model.APIName, "https://gw.example.com/tenants/a")
	wantEqual(t, "all", all, model.APIVersions{
		URIPrefix:   "https://gw.example.com/tenants/a/o2ims-infrastructureInventory",
		APIVersions: []model.APIVersion{{Version: "1.0.0"}, {Version: "2.0.0"}},
	})
	for _, version := range []int{0, 1, 2} {
		v.Validate(t, version, "APIVersions", all)
	}
	for _, major := range model.Versions() {
		got, ok := model.MajorAPIVersions(model.APIName, "", major)
		if !ok {
			t.Fatalf("v%d not served", major)
		}
		v.Validate(t, major, "APIVersions", got)
		if want := "/o2ims-infrastructureInventory/v" + string(rune('0'+major)); got.URIPrefix != want {
			t.Errorf("uriPrefix %q, want %q", got.URIPrefix, want)
		}
	}
	if _, ok := model.MajorAPIVersions(model.MonitoringAPIName, "", 3); ok {
		t.Error("v3 is served")
	}
	if got, _ := model.MajorAPIVersions(model.MonitoringAPIName, "/tenants/a", 2); got.URIPrefix != "/tenants/a/o2ims-infrastructureMonitoring/v2" {
		t.Errorf("monitoring uriPrefix %q", got.URIPrefix)
	}
	if model.VersionString(0) != "" {
		t.Error("version 0 has a version string")
	}
}

func TestProblemDetails(t *testing.T) {
	v := modeltest.New(t)
	p := model.NewProblemDetails(http.StatusNotFound, "resource pool not found").
		WithAttribute("resourcePoolId", idPool)
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "encoding", string(data),
		`{"title":"Not Found","status":404,"detail":"resource pool not found","additionalAttributes":{"resourcePoolId":"`+idPool+`"}}`)
	for _, version := range []int{0, 1, 2} {
		v.Validate(t, version, "ProblemDetails", p)
	}
	bare := model.NewProblemDetails(http.StatusBadRequest, "")
	v.Validate(t, 0, "ProblemDetails", bare)
	typed := &model.ProblemDetails{Type: "about:blank", Status: 400, Detail: "x", Instance: "urn:uuid:" + idSub}
	v.Validate(t, 0, "ProblemDetails", typed)
}
