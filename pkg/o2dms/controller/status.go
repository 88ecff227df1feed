package controller

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/apis/o2dms/validation"
	o2imsvalidation "github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// fieldManager names the controller's writes.
const fieldManager = "netweave-o2dms-controller"

// Conditions the controller writes.
const (
	// ConditionReady is True while the release runs the spec; False with the reason of the
	// last failure (DescriptorNotFound, ChartUnavailable, NamespaceNotEnabled,
	// TargetUnavailable, InstallFailed, UpgradeFailed, RollbackFailed, UninstallFailed, ...).
	ConditionReady = "Ready"
	// ConditionDriftRepaired says when a release gone from the target was installed again.
	ConditionDriftRepaired = "DriftRepaired"
	// ConditionRolledBack records the last spec.desiredRevision acted on: reason
	// Revision<N>, observedGeneration the generation it was acted on at.
	ConditionRolledBack = "RolledBack"
)

func setCondition(d *v1alpha1.NfDeployment, typ string, status metav1.ConditionStatus, reason, msg string, now time.Time) {
	// A condition's message is bounded by metav1 validation at 32768 bytes.
	msg = o2imsvalidation.Truncate(msg, 32768)
	meta.SetStatusCondition(&d.Status.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason,
		Message: msg, ObservedGeneration: d.Generation, LastTransitionTime: metav1.NewTime(now.Truncate(time.Second))})
}

// rolledBackTo is the desiredRevision last acted on, 0 when none.
func rolledBackTo(d *v1alpha1.NfDeployment) int64 {
	c := meta.FindStatusCondition(d.Status.Conditions, ConditionRolledBack)
	if c == nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimPrefix(c.Reason, "Revision"), 10, 64)
	return n
}

// forgetRollback drops the record of the last rollback once spec.desiredRevision is cleared,
// so that setting it again to the same revision rolls back again.
func forgetRollback(d *v1alpha1.NfDeployment) {
	if d.Spec.DesiredRevision == nil {
		meta.RemoveStatusCondition(&d.Status.Conditions, ConditionRolledBack)
	}
}

// pinned: d was rolled back to its desiredRevision and its spec has not changed since, so the
// release stays on that revision rather than being upgraded to the spec again.
func pinned(d *v1alpha1.NfDeployment) bool {
	c := meta.FindStatusCondition(d.Status.Conditions, ConditionRolledBack)
	return d.Spec.DesiredRevision != nil && c != nil && rolledBackTo(d) == *d.Spec.DesiredRevision && c.ObservedGeneration == d.Generation
}

// helmFailureDescription is Helm's description of a revision whose install, upgrade or
// rollback failed (or whose chart did not render): what failed, then ": " and the error.
var helmFailureDescription = regexp.MustCompile(`^((?:Release|Upgrade|Rollback) "[^"]*" failed|failed to render resource): `)

// outcomeDescription is what a revision's outcome says of Helm's description of it: all of
// it, but of a failure only what failed. The error Helm appends is the raw text of what the
// request to the target ended with (its API server's address and netweave's, refused or reset,
// the body of a proxy's page): the failed attempt's status said its class (targetFailure), and
// the history, read by whoever may read the NfDeployment, must not say more.
func outcomeDescription(description string) string {
	if m := helmFailureDescription.FindStringSubmatch(description); m != nil {
		return m[1]
	}
	return description
}

func historyOf(hist []helmrelease.Revision) []v1alpha1.RevisionRecord {
	out := make([]v1alpha1.RevisionRecord, 0, len(hist))
	for _, h := range hist {
		r := v1alpha1.RevisionRecord{Revision: int64(h.Revision), ChartVersion: h.ChartVersion, ValuesHash: h.ValuesHash, Outcome: h.Status}
		if d := outcomeDescription(h.Description); d != "" {
			r.Outcome = h.Status + ": " + d
		}
		if !h.Updated.IsZero() {
			t := metav1.NewTime(h.Updated.Truncate(time.Second))
			r.Time = &t
		}
		out = append(out, r)
	}
	return out
}

// phase writes a transitional phase before a Helm action, so that a slow action shows.
func (c *Controller) phase(ctx context.Context, d *v1alpha1.NfDeployment, p v1alpha1.NfDeploymentPhase, msg string) (*v1alpha1.NfDeployment, error) {
	before := d.DeepCopy()
	d.Status.Phase, d.Status.Message = p, msg
	return c.writeStatus(ctx, before, d)
}

// writeStatus writes d's status through the status subresource when it differs from
// before's; it returns the NfDeployment as stored.
func (c *Controller) writeStatus(ctx context.Context, before, d *v1alpha1.NfDeployment) (*v1alpha1.NfDeployment, error) {
	boundStatus(&d.Status)
	if apiequality.Semantic.DeepEqual(before.Status, d.Status) {
		return d, nil
	}
	out, err := c.cfg.Client.O2dmsV1alpha1().NfDeployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{FieldManager: fieldManager})
	if err != nil {
		return d, fmt.Errorf("write the status of %s/%s: %w", d.Namespace, d.Name, err)
	}
	c.recordTransition(before, out)
	return out, nil
}

// boundStatus keeps s within what status validation admits: what the controller copies into it
// (a Helm error of a chart whose schema refuses many values, the objects of a large release, a
// long history kept by --o2dms-max-history=0) would otherwise make every status write a 422,
// leaving the NfDeployment INSTALLING with no reason, for good. The message is cut; the
// newest revisions are kept; the workloads listed are the ones not ready first (what an SMO
// looks for), then the others, in their usual order; the message keeps the full counts. A
// workload without an apiVersion, kind or name (which validation requires) is dropped: what a
// release contains must never make the status unwritable.
func boundStatus(s *v1alpha1.NfDeploymentStatus) {
	s.Message = o2imsvalidation.Truncate(s.Message, validation.MaxStatusMessage)
	s.Workloads = slices.DeleteFunc(s.Workloads, func(w v1alpha1.WorkloadStatus) bool {
		return w.APIVersion == "" || w.Kind == "" || w.Name == ""
	})
	if n := len(s.History); n > validation.MaxStatusHistory {
		s.History = s.History[n-validation.MaxStatusHistory:]
	}
	if len(s.Workloads) > validation.MaxStatusWorkloads {
		kept := make([]v1alpha1.WorkloadStatus, 0, validation.MaxStatusWorkloads)
		for _, ready := range []bool{false, true} {
			for _, w := range s.Workloads {
				if w.Ready == ready && len(kept) < validation.MaxStatusWorkloads {
					kept = append(kept, w)
				}
			}
		}
		s.Workloads = sortedWorkloads(kept)
	}
}
