package options

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	o2validation "github.com/netweave-io/netweave/apis/o2ims/validation"
)

func parseInventory(t *testing.T, args ...string) *InventoryOptions {
	t.Helper()
	o := NewInventoryOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestNodePoolNamespacesDefaultToNone(t *testing.T) {
	o := parseInventory(t)
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	if len(o.NodePoolNamespaces) != 0 || o.Namespace != "o2ims-system" {
		t.Errorf("defaults: node pool namespaces %v, inventory namespace %q", o.NodePoolNamespaces, o.Namespace)
	}
	if errs := o.Validate(); len(errs) != 0 {
		t.Errorf("defaults invalid: %v", errs)
	}
}

func TestNodePoolNamespacesFlag(t *testing.T) {
	o := parseInventory(t, "--inventory-sync", "--inventory-node-pool-namespaces=ran-b,ran-a,o2ims-system", "--inventory-node-pool-namespaces=ran-a")
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.NodePoolNamespaces, []string{"ran-a", "ran-b"}) {
		t.Errorf("node pool namespaces %v, want [ran-a ran-b] (sorted, without duplicates nor the inventory namespace)", o.NodePoolNamespaces)
	}
	if errs := o.Validate(); len(errs) != 0 {
		t.Errorf("valid flags refused: %v", errs)
	}
	if cfg := o.Config("", nil); !slices.Equal(cfg.NodePoolNamespaces, o.NodePoolNamespaces) || cfg.Namespace != "o2ims-system" {
		t.Errorf("sync config %v %q", cfg.NodePoolNamespaces, cfg.Namespace)
	}
}

// TestInventoryNamespacesValidatedWithSyncOff: the API draws the tenant boundary from these
// flags whether or not this replica syncs.
func TestInventoryNamespacesValidatedWithSyncOff(t *testing.T) {
	n, all := validateInventory(t, "--inventory-namespace=Not_A_Namespace", "--inventory-node-pool-namespaces=ok,bad.name")
	if n != 2 || !strings.Contains(all, "--inventory-namespace") || !strings.Contains(all, `--inventory-node-pool-namespaces "bad.name"`) {
		t.Errorf("errors:\n%s", all)
	}
}

// TestRegressionQPSNaNOrInfLiftsTheBound: --inventory-member-qps=NaN (and --provisioning-qps=NaN)
// passed the "must be positive" check, since NaN compares false with everything, and client-go
// builds no rate limiter for a QPS that is not above 0: each member's API server (and the
// management cluster's) got requests unthrottled, with nothing said. +Inf did the same through
// a limiter that allows everything.
func TestRegressionQPSNaNOrInfLiftsTheBound(t *testing.T) {
	for _, tc := range []struct {
		qps string
		ok  bool
	}{
		{"5", true},
		{"0.5", true},
		{"0", false},
		{"-1", false},
		{"NaN", false},
		{"+Inf", false},
		{"-Inf", false},
	} {
		inv := parseInventory(t, "--inventory-sync", "--inventory-member-qps="+tc.qps)
		if err := inv.Complete(); err != nil {
			t.Fatal(err)
		}
		errs := inv.Validate()
		if tc.ok != (len(errs) == 0) || !tc.ok && !strings.Contains(errs[0].Error(), "--inventory-member-qps") {
			t.Errorf("--inventory-member-qps=%s: %v", tc.qps, errs)
		}

		prov := NewProvisioningOptions()
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		prov.AddFlags(fs)
		if err := fs.Parse([]string{"--provisioning-qps=" + tc.qps}); err != nil {
			t.Fatal(err)
		}
		errs = prov.Validate()
		if tc.ok != (len(errs) == 0) || !tc.ok && !strings.Contains(errs[0].Error(), "--provisioning-qps") {
			t.Errorf("--provisioning-qps=%s: %v", tc.qps, errs)
		}
	}
}

// TestRegressionOCloudFieldsTooLongForTheirObjects: a --inventory-global-cloud-id,
// --inventory-ocloud-name, --inventory-cluster-name or --inventory-ocloud-description longer
// than the OCloud's or DeploymentManager's validation allows passed; the server started and the
// sync's every write of those objects was refused, the inventory never complete.
func TestRegressionOCloudFieldsTooLongForTheirObjects(t *testing.T) {
	for _, tc := range []struct {
		flag string
		max  int
	}{
		{"--inventory-global-cloud-id", 253},
		{"--inventory-ocloud-name", 256},
		{"--inventory-cluster-name", 256},
		{"--inventory-ocloud-description", 4096},
	} {
		for n, ok := range map[int]bool{tc.max: true, tc.max + 1: false} {
			count, all := validateInventory(t, "--inventory-sync", tc.flag+"="+strings.Repeat("a", n))
			// A long cluster name is the O-Cloud's name too, unless one is given.
			if ok != (count == 0) || !ok && !strings.Contains(all, tc.flag+" must be at most") {
				t.Errorf("%s of %d bytes: %s", tc.flag, n, all)
			}
		}
	}
}

// TestRegressionServiceURITooLong: an --inventory-cluster-url or --o2ims-api-root longer than
// the 2048 bytes serviceUri validation allows passed; the sync's writes of the DeploymentManager
// or the OCloud were then refused after the start.
func TestRegressionServiceURITooLong(t *testing.T) {
	long := "https://h.example/" + strings.Repeat("a", o2validation.MaxURILength)
	inv := parseInventory(t, "--inventory-sync", "--inventory-cluster-url="+long)
	if err := inv.Complete(); err != nil {
		t.Fatal(err)
	}
	if errs := inv.Validate(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "--inventory-cluster-url must be at most") {
		t.Errorf("long --inventory-cluster-url: %v", errs)
	}
	o2 := NewO2Options()
	o2.APIRoot = long
	if errs := o2.Validate(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "--o2ims-api-root must be at most") {
		t.Errorf("long --o2ims-api-root: %v", errs)
	}
	o2.APIRoot = long[:o2validation.MaxURILength]
	if errs := o2.Validate(); len(errs) != 0 {
		t.Errorf("--o2ims-api-root of %d bytes: %v", o2validation.MaxURILength, errs)
	}
}

// validateInventory parses args, completes and validates the inventory options, and returns how
// many errors Validate gave and their messages, one per line.
func validateInventory(t *testing.T, args ...string) (int, string) {
	t.Helper()
	o := parseInventory(t, args...)
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	errs := o.Validate()
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return len(errs), strings.Join(msgs, "\n")
}
