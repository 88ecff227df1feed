package options

import "testing"

func TestMemoryLimitValidation(t *testing.T) {
	for limit, valid := range map[string]bool{"": true, "512Mi": true, "1073741824": true, "0": false, "-1Mi": false, "lots": false} {
		o := &MemoryOptions{Limit: limit}
		if errs := o.Validate(); (len(errs) == 0) != valid {
			t.Errorf("--memory-limit=%q: errors %v, want valid=%v", limit, errs, valid)
		}
	}
}
