package jsonparams

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestRegressionSchemaErrorQuotesParameterValues: a value an NfDeployment's values or a
// ProvisioningRequest's templateParameters gave that its schema refused was quoted in the 422,
// as the field error's value ("Invalid value: \"hunter2\"") and in the library's message
// ("'hunter2' does not match pattern ..."). Those are free-form parameters that hold passwords
// and tokens (docs/o2ims.md, "Audit"), and a refusal's message is not only the writer's: the
// API server's audit records it at Metadata level (responseStatus.message), the level the
// chart's policy chose so that no parameter reaches the log; an O2 POST's loopback create is
// recorded the same way. The errors now name the place and the rule, never the value.
func TestRegressionSchemaErrorQuotesParameterValues(t *testing.T) {
	const secret = "hunter2-Sup3rSecret"
	sch, errs := Compile([]byte(`{"type":"object","properties":{
		"adminPassword":{"type":"string","pattern":"^[a-z]+$"},
		"pin":{"type":"integer","minimum":100000},
		"apiKey":{"type":"string","maxLength":4}}}`), 64*1024, field.NewPath("spec", "parametersSchema"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	path := field.NewPath("spec", "values")
	errs = sch.Validate(map[string]any{"adminPassword": secret, "pin": 4711, "apiKey": secret}, path)
	if len(errs) != 3 {
		t.Fatalf("want three errors, got %v", errs)
	}
	msg := errs.ToAggregate().Error()
	for _, leak := range []string{secret, "4711", "4,711"} {
		if strings.Contains(msg, leak) {
			t.Errorf("the refusal quotes the value %q: %s", leak, msg)
		}
	}
	for _, want := range []string{"spec.values.adminPassword", "pattern", "spec.values.pin", "minimum", "spec.values.apiKey", "maxLength"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal does not say %q: %s", want, msg)
		}
	}
	t.Log(msg)
}
