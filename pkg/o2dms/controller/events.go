package controller

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	v1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
)

// recordTransition records an Event regarding d, as stored after a status write from before:
// what `kubectl describe` shows of its history. Recorded: a new phase, and a failure whose
// reason differs from the last one's. Not recorded: a retry of a failed action (FAILED, then
// INSTALLING again, then FAILED for the same reason), which would otherwise record two Events
// per attempt of its backoff. The note is the status message, which says only the class of a
// target's failure (the Event is read by whoever may read the NfDeployment's namespace).
func (c *Controller) recordTransition(before, d *v1alpha1.NfDeployment) {
	if c.cfg.Events == nil {
		return
	}
	kind, reason := corev1.EventTypeNormal, eventReason(d.Status.Phase)
	switch p := d.Status.Phase; {
	case p == v1alpha1.NfDeploymentFailed:
		// The reason is the failure's (InstallFailed, TargetUnavailable, ...), which the Ready
		// condition keeps through the retry's transitional phase.
		kind, reason = corev1.EventTypeWarning, readyReason(d)
		if reason == readyReason(before) {
			return
		}
	case p == before.Status.Phase:
		return
	case before.Status.Phase == v1alpha1.NfDeploymentFailed && p != v1alpha1.NfDeploymentDeployed && p != v1alpha1.NfDeploymentDeleting:
		// A retry of the failed action.
		return
	}
	c.cfg.Events.Eventf(d, nil, kind, reason, actionOf(d.Status.Phase), "%s", eventNote(d.Status.Message))
}

// recordUninstalled records that d's release is gone and d may go.
func (c *Controller) recordUninstalled(d *v1alpha1.NfDeployment) {
	if c.cfg.Events != nil {
		c.cfg.Events.Eventf(d, nil, corev1.EventTypeNormal, "Uninstalled", "Uninstall", "%s",
			eventNote("release "+ReleaseName(d)+" uninstalled; finalizer removed"))
	}
}

func readyReason(d *v1alpha1.NfDeployment) string {
	if cond := meta.FindStatusCondition(d.Status.Conditions, ConditionReady); cond != nil {
		return cond.Reason
	}
	return ""
}

// eventReason is a phase as an Event's reason: UpperCamelCase (ROLLING_BACK → RollingBack).
func eventReason(p v1alpha1.NfDeploymentPhase) string {
	var b strings.Builder
	for _, word := range strings.Split(strings.ToLower(string(p)), "_") {
		if word != "" {
			b.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	return b.String()
}

// actionOf is what the controller does in phase p, an Event's action.
func actionOf(p v1alpha1.NfDeploymentPhase) string {
	switch p {
	case v1alpha1.NfDeploymentInstalling, v1alpha1.NfDeploymentUpgrading, v1alpha1.NfDeploymentDeployed, v1alpha1.NfDeploymentFailed:
		return "Deploy"
	case v1alpha1.NfDeploymentRollingBack:
		return "Rollback"
	case v1alpha1.NfDeploymentDeleting:
		return "Uninstall"
	}
	return "Accept"
}

// noteLimit is the longest note the events API admits (events.k8s.io/v1 Event validation).
const noteLimit = 1024

// eventNote keeps msg within noteLimit bytes, whole characters.
func eventNote(msg string) string {
	const max = noteLimit
	if len(msg) <= max {
		return msg
	}
	return strings.ToValidUTF8(msg[:max-len("…")], "") + "…"
}
