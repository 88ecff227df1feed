package options

import "testing"

func TestMemoryLimitValidation(t *testing.T) {
	for limit, valid := range map[string]bool{"": true, "512Mi": true, "1073741824": true, "0": false, "-1Mi": false, "lots": false,
		// TestRegressionMemoryLimitInBytesByMistake: "512" (meant as MiB) is 512 bytes, and was
		// taken: the collector then ran without pause, the CPU spent for nothing.
		"512": false, "1": false, "31Mi": false, "32Mi": true} {
		o := &MemoryOptions{Limit: limit}
		if errs := o.Validate(); (len(errs) == 0) != valid {
			t.Errorf("--memory-limit=%q: errors %v, want valid=%v", limit, errs, valid)
		}
	}
}
