package main

import (
	"fmt"

	"github.com/netweave-io/netweave/internal/localstack"
)

// printPolicy shows tenant policy with the Kubernetes machinery (docs/policy.md): a
// ResourceQuota counting O2 objects in tenant-a and a CEL ValidatingAdmissionPolicy on the
// callbacks of tenant-b, both enforced by netweave's admission chain, the refusals reaching
// kubectl as Status and the SMO as problem+json. It follows the two-tenant recipe, whose
// namespaces, bindings and pool-a it uses.
func printPolicy(r *running) {
	alice, bob := r.kubeconfigs[localstack.Alice], r.kubeconfigs[localstack.Bob]
	o2 := fmt.Sprintf("https://127.0.0.1:%d", r.o2Port)
	inv := "/o2ims-infrastructureInventory/v2"
	fmt.Printf(`
Tenant policy (docs/policy.md), after the two-tenant recipe: a quota of O2 objects in tenant-a
and a CEL policy on tenant-b's callbacks, enforced by netweave on both faces:
  kubectl create quota o2-objects -n tenant-a --hard=count/resourcepools.o2ims.oran.org=2,count/inventorysubscriptions.o2ims.oran.org=5
  kubectl wait quota/o2-objects -n tenant-a --for=jsonpath='{.status.used.count/resourcepools\.o2ims\.oran\.org}'=1   # kube-controller-manager counted pool-a (seconds)
  kubectl describe quota o2-objects -n tenant-a
  for p in pool-b pool-c; do echo '{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"ResourcePool","metadata":{"name":"'$p'"},"spec":{"name":"'$p'"}}' | kubectl --kubeconfig=%[1]s create -n tenant-a -f -; done
                                                   # pool-b created; pool-c: Forbidden, exceeded quota: o2-objects
  kubectl --kubeconfig=%[1]s delete resourcepool pool-a -n tenant-a   # frees one, once kube-controller-manager counted it:
  kubectl wait quota/o2-objects -n tenant-a --for=jsonpath='{.status.used.count/resourcepools\.o2ims\.oran\.org}'=1   # (until then pool-c is still refused)
  echo '{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"ResourcePool","metadata":{"name":"pool-c"},"spec":{"name":"pool-c"}}' | kubectl --kubeconfig=%[1]s create -n tenant-a -f -   # pool-c created
  kubectl apply -f - <<'YAML'
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: o2-callbacks-https-smo}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [o2ims.oran.org], apiVersions: ["*"], operations: [CREATE, UPDATE], resources: [inventorysubscriptions, alarmsubscriptions]}
  validations:
  - expression: "object.spec.callback.matches('^https://[^/:]+[.]smo[.]example(:[0-9]+)?(/.*)?$')"
    message: "callbacks must be https to *.smo.example"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: o2-callbacks-https-smo}
spec:
  policyName: o2-callbacks-https-smo
  validationActions: [Deny]
  matchResources: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: tenant-b}}}
YAML
  BOB=$(kubectl --kubeconfig=%[2]s config view --raw -o jsonpath='{.users[0].user.token}')
  # netweave enforces a new policy once its admission reloaded policies (about a second); until then a create
  # goes through. Wait with a server-side dry run, which is admitted or refused like a create and writes nothing:
  for i in $(seq 30); do echo '{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"InventorySubscription","metadata":{"generateName":"probe-"},"spec":{"callback":"http://cb.smo.example/n"}}' | kubectl --kubeconfig=%[2]s create --dry-run=server -n tenant-b -f - >/dev/null 2>&1 || break; sleep 1; done
  curl -s --cacert %[3]s -H "Authorization: Bearer $BOB" -H 'Content-Type: application/json' \
    -d '{"callback":"http://cb.smo.example/n"}' %[4]s/tenants/tenant-b%[5]s/subscriptions    # 422 problem+json: the policy's message
  curl -s --cacert %[3]s -H "Authorization: Bearer $BOB" -H 'Content-Type: application/json' \
    -d '{"callback":"https://cb.smo.example/n"}' %[4]s/tenants/tenant-b%[5]s/subscriptions   # 201
`, alice, bob, r.caFile, o2, inv)
}
