package options

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// serverFlags returns o's flags; Complete writes its self-signed serving certificate to a
// temporary directory, not the package's.
func serverFlags(t *testing.T, o *ServerOptions) *pflag.FlagSet {
	o.Recommended.SecureServing.ServerCert.CertDirectory = t.TempDir()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	return fs
}

// completedServer is the server options args give, completed.
func completedServer(t *testing.T, args []string) *ServerOptions {
	t.Helper()
	o := NewServerOptions()
	if err := serverFlags(t, o).Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestProvisioningAddsItsNamespacesToCAPIDiscovery(t *testing.T) {
	o := completedServer(t, []string{"--inventory-sync", "--provisioning-controller", "--provisioning-namespaces=tenant-b,tenant-a",
		"--inventory-capi-namespaces=capi"})
	if want := []string{"capi", "o2ims-system", "tenant-a", "tenant-b"}; !slices.Equal(o.Inventory.CAPINamespaces, want) {
		t.Errorf("discovery namespaces %v, want %v", o.Inventory.CAPINamespaces, want)
	}
}

// TestProvisioningNamespacesAreTenantNamespaces: the provisioning namespaces are the tenants'
// among the discovery namespaces, whose Secrets register only the clusters provisioned there;
// the inventory namespace and the operator's Cluster API namespaces are not.
func TestProvisioningNamespacesAreTenantNamespaces(t *testing.T) {
	o := completedServer(t, []string{"--inventory-sync", "--provisioning-controller",
		"--provisioning-namespaces=tenant-b,tenant-a,o2ims-system", "--inventory-capi-namespaces=capi"})
	want := []string{"tenant-a", "tenant-b"}
	if got := o.Inventory.Config("", nil).Members.TenantNamespaces; !slices.Equal(got, want) {
		t.Errorf("inventory sync: tenant namespaces %v, want %v", got, want)
	}
}

func TestProvisioningNeedsMemberClusters(t *testing.T) {
	o := completedServer(t, []string{"--provisioning-controller", "--inventory-sync", "--inventory-member-clusters=false"})
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--provisioning-controller needs") {
		t.Errorf("validate: %v", err)
	}
	off := NewProvisioningOptions()
	if got := off.DiscoveryNamespaces([]string{"capi"}, "o2ims-system"); !slices.Equal(got, []string{"capi"}) {
		t.Errorf("provisioning off changed the discovery namespaces: %v", got)
	}
}
