package main

import (
	"fmt"

	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// printProvisioning shows the O2-IMS provisioning and artifacts APIs as an SMO uses them on the
// default apiRoot (whose requests live in the inventory namespace): the templates, a
// subscription to provisioning notifications delivered to the SMO stand-in, a request made,
// read, filtered and deleted. It uses $TOKEN from the REST section above, and the first
// template there is (the template sync writes one per ClusterClass and version).
func printProvisioning(r *running) {
	fmt.Printf(`
Provisioning through O2-IMS (default apiRoot: requests live in %[1]s; /tenants/{ns}/... for a tenant):
  ART=https://127.0.0.1:%[2]d/%[3]s/v1 PROV=https://127.0.0.1:%[2]d/%[4]s/v1
  curl -s --cacert %[5]s -H "Authorization: Bearer $TOKEN" $ART/managedInfrastructureTemplates          # id: name.version
  TNAME=$(kubectl get managedinfrastructuretemplates -n %[1]s -o jsonpath='{.items[0].spec.name}')
  TVERSION=$(kubectl get managedinfrastructuretemplates -n %[1]s -o jsonpath='{.items[0].spec.version}')
  curl -s --cacert %[5]s -H "Authorization: Bearer $TOKEN" $ART/managedInfrastructureTemplates/$TNAME.$TVERSION/defaults
  curl -s --cacert %[5]s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"callback":"%[6]s/provisioning"}' $PROV/subscriptions           # 201; ProvisioningRequestChangeNotifications (beyond the spec)
  tail -f %[7]s   # in a second terminal: CREATE, a MODIFY per phase, DELETE
  ID=123e4567-e89b-12d3-a456-426614174000
  curl -s -i --cacert %[5]s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' $PROV/provisioningRequests -d @- <<JSON
{"provisioningRequestId":"$ID","name":"edge-1","description":"first edge cluster","templateName":"$TNAME","templateVersion":"$TVERSION","templateParameters":{"region":"eu-west"}}
JSON
  # 201 + Location + ETag; PENDING. A parameter the template's parameterSchema refuses is a 422 naming templateParameters/<path>
  curl -s --cacert %[5]s -H "Authorization: Bearer $TOKEN" $PROV/provisioningRequests/$ID
  curl -s --cacert %[5]s -H "Authorization: Bearer $TOKEN" "$PROV/provisioningRequests?filter=(neq,status/provisioningPhase,FAILED)&fields=extensions"
  kubectl get provisioningrequests -n %[1]s
  curl -s -i --cacert %[5]s -H "Authorization: Bearer $TOKEN" -X DELETE $PROV/provisioningRequests/$ID   # 202 + Location: DELETING, then 404
`, inventoryNamespace, r.o2Port, model.ArtifactsAPIName, model.ProvisioningAPIName, r.caFile, r.smo.URL, r.smo.LogPath)
}
