package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/pkg/alarms/alertmanager"
)

// The ServiceAccount Alertmanager's webhooks authenticate as, where a cluster install of
// Alertmanager would have its own.
const (
	monitoringNamespace = "monitoring"
	alertmanagerAccount = "alertmanager"
	// alertSenderRole is the shipped ClusterRole (charts/netweave's roles,
	// artifacts/deploy/20-roles.yaml) that the webhook receiver asks for.
	alertSenderRole = "o2ims-alert-sender"
)

// startAlertmanager starts Alertmanager with one webhook receiver: netweave's O2 listener on
// o2Port (which need not be up yet: Alertmanager retries), verified with the serving CA in
// caFile, authenticated with a token of a ServiceAccount bound to o2ims-alert-sender.
func startAlertmanager(ctx context.Context, dir string, cp *localstack.ControlPlane, o2Port int, caFile string, timeout time.Duration) (*localstack.Alertmanager, error) {
	if err := createAlertSender(ctx, cp); err != nil {
		return nil, err
	}
	token, err := cp.ServiceAccountToken(ctx, monitoringNamespace, alertmanagerAccount)
	if err != nil {
		return nil, fmt.Errorf("start alertmanager: %w", err)
	}
	return localstack.StartAlertmanager(ctx, localstack.AlertmanagerOptions{
		Dir:         dir,
		WebhookURL:  localstack.O2APIRoot(o2Port) + alertmanager.WebhookPath,
		BearerToken: token,
		CAFile:      caFile,
	}, timeout)
}

// createAlertSender creates Alertmanager's namespace and ServiceAccount (in this run's fresh
// cluster) and binds the shipped ClusterRole to it cluster-wide, as the receiver requires.
func createAlertSender(ctx context.Context, cp *localstack.ControlPlane) error {
	client, err := kubernetes.NewForConfig(cp.RESTConfig(localstack.Admin))
	if err != nil {
		return fmt.Errorf("alertmanager's account: %w", err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: monitoringNamespace}}
	if _, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %s: %w", monitoringNamespace, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: alertmanagerAccount}}
	if _, err := client.CoreV1().ServiceAccounts(monitoringNamespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create serviceaccount %s/%s: %w", monitoringNamespace, alertmanagerAccount, err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: alertmanagerAccount + "-" + alertSenderRole},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: alertSenderRole},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: monitoringNamespace, Name: alertmanagerAccount}},
	}
	if _, err := client.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("bind %s to %s/%s: %w", alertSenderRole, monitoringNamespace, alertmanagerAccount, err)
	}
	return nil
}
