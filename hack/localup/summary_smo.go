package main

import "fmt"

// printSMORegistration shows the O-Cloud's registration with the SMO stand-in: the OCloud's
// status (condition SMORegistered and what was announced) and the announcement as the
// stand-in logged it.
func printSMORegistration(r *running) {
	fmt.Printf(`
SMO registration (netweave announced the O-Cloud to the SMO stand-in, --smo-registration-url):
  kubectl get ocloud default -o jsonpath='{range .status.conditions[?(@.type=="SMORegistered")]}{.status} {.reason}: {.message}{"\n"}{end}'
  kubectl get ocloud default -o jsonpath='{.status.smoRegistration}{"\n"}'
  grep %s %s                # the OCloudAvailableNotification {globalCloudId, oCloudId, IMS_EP}
  kubectl patch ocloud default --type=merge -p '{"spec":{"globalCloudId":"5d0c3b2a-1f4e-4a6b-9c8d-7e6f5a4b3c2d"}}'   # announced again (the inventory sync restores its own value, announced too)
`, smoRegistrationPath, r.smo.LogPath)
}
