// Package servedapi tells, from an API server's discovery, whether it serves a kind that is
// installed by CRD or by an optional component (Cluster API, the Prometheus operator), in a way
// that never mistakes a proxy's page for the API server's answer.
package servedapi

import (
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
)

// FirstVersion returns the first of versions (in order of preference) of group in which the API
// server serves every one of resources; "" when it conclusively serves none, and an error when
// that cannot be told.
//
// Whether the group is served at all is read from the API server's list of groups (/apis), not
// from a 404 for the group version: kube-apiserver answers a group version it does not serve
// with a plain-text 404, exactly as a proxy or load balancer in front of a restarting API
// server answers any path, and only the list tells the two apart. A group version the list
// names whose resources cannot be read is inconclusive, unless a version after it serves them.
func FirstVersion(d discovery.DiscoveryInterface, group string, versions []string, resources ...string) (string, error) {
	groups, err := d.ServerGroups()
	if err != nil {
		return "", fmt.Errorf("discover the API groups: %w", err)
	}
	var listed []string
	for _, g := range groups.Groups {
		if g.Name != group {
			continue
		}
		for _, v := range g.Versions {
			listed = append(listed, v.Version)
		}
	}
	var errs []error
	for _, v := range versions {
		if !slices.Contains(listed, v) {
			continue
		}
		list, err := d.ServerResourcesForGroupVersion(group + "/" + v)
		if err != nil {
			errs = append(errs, fmt.Errorf("discover %s/%s: %w", group, v, err))
			continue
		}
		if servesAll(list.APIResources, resources) {
			return v, nil
		}
	}
	if len(errs) > 0 {
		return "", errs[0]
	}
	return "", nil
}

// servesAll reports whether list has every one of resources.
func servesAll(list []metav1.APIResource, resources []string) bool {
	for _, r := range resources {
		if !slices.ContainsFunc(list, func(a metav1.APIResource) bool { return a.Name == r }) {
			return false
		}
	}
	return true
}
