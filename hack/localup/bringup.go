package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/netweave-io/netweave/internal/localstack"
)

// running is what bringUp started, for the summary and for watching crashes.
type running struct {
	redis         *localstack.Process
	redisAddr     string
	cp            *localstack.ControlPlane
	members       []*member
	alertmanager  *localstack.Alertmanager
	smo           *smoReceiver
	charts        *localstack.ChartRepo
	netweave      *localstack.Process
	netweavePort  int
	o2Port        int
	caFile        string
	examples      []string
	exampleErrors []error
	demoNodes     int
	// alarmError says why the demo alarms did not show; like a broken example, it is reported
	// rather than taking the local setup down.
	alarmError  error
	kubeconfigs map[string]string
	// auditLog is netweave's audit log, written with the chart's audit policy.
	auditLog string
}

func (r *running) processes() []*localstack.Process {
	ps := append([]*localstack.Process{r.redis, r.alertmanager.Process, r.netweave}, r.cp.Processes()...)
	for _, m := range r.members {
		ps = append(ps, m.cp.Processes()...)
	}
	return ps
}

// bringUp starts the components in dependency order, pushing each onto started as soon as it
// runs so that a failure half-way still stops what is up.
func bringUp(ctx context.Context, c config, started *stack) (*running, error) {
	r := &running{kubeconfigs: map[string]string{}}
	var err error

	fmt.Println("starting redis-server …")
	if r.redis, r.redisAddr, err = localstack.StartRedis(ctx, filepath.Join(c.dir, "redis"), c.timeout); err != nil {
		return nil, err
	}
	started.push(r.redis)

	fmt.Println("starting etcd and kube-apiserver …")
	if r.cp, err = localstack.StartControlPlane(ctx, localstack.Options{Dir: filepath.Join(c.dir, "controlplane"), StartTimeout: c.timeout}); err != nil {
		return nil, err
	}
	started.push(r.cp)

	fmt.Println("starting the member clusters' control planes (etcd, kube-apiserver, kube-controller-manager) …")
	if r.members, err = startMembers(ctx, c, started); err != nil {
		return nil, err
	}

	// Before netweave starts, so its first full resync already shows them.
	fmt.Println("creating demo nodes and storage classes …")
	if r.demoNodes, err = createDemoInventory(ctx, r.cp.RESTConfig(localstack.Admin), demoNodes()); err != nil {
		return nil, err
	}

	// The namespace, ServiceAccount and RBAC of artifacts/deploy, as a real install has them:
	// netweave runs as its ServiceAccount, and the users' ClusterRoles (o2ims-admin, -reader,
	// -subscriber) exist for the tenant recipe.
	fmt.Println("installing netweave's ServiceAccount and the shipped ClusterRoles …")
	kubeconfig, err := r.cp.InstallNetweaveRBAC(ctx)
	if err != nil {
		return nil, err
	}

	fmt.Println("installing Cluster API's CRDs, the demo ClusterClass and netweave's provisioning RBAC …")
	if err := setUpProvisioning(ctx, r.cp); err != nil {
		return nil, err
	}

	// Registered before netweave starts, as an operator's Secrets would be.
	fmt.Println("registering the member clusters (labelled kubeconfig Secrets) …")
	if err := registerMembers(ctx, r.cp, r.members); err != nil {
		return nil, err
	}

	// curl, and Alertmanager's webhook, need the serving CA as a file to call the O2-IMS face.
	r.caFile = filepath.Join(c.dir, "serving-ca.crt")
	if err := os.WriteFile(r.caFile, r.cp.Serving.CABundle, 0o644); err != nil {
		return nil, fmt.Errorf("write serving CA: %w", err)
	}
	// Chosen before either starts: Alertmanager's webhook names the O2 port, and netweave's
	// resync names Alertmanager.
	if r.netweavePort, err = localstack.FreePort(); err != nil {
		return nil, err
	}
	if r.o2Port, err = localstack.FreePort(); err != nil {
		return nil, err
	}

	fmt.Println("starting alertmanager …")
	if r.alertmanager, err = startAlertmanager(ctx, filepath.Join(c.dir, "alertmanager"), r.cp, r.o2Port, r.caFile, c.timeout); err != nil {
		return nil, err
	}
	started.push(r.alertmanager)
	if r.smo, err = startSMOReceiver(filepath.Join(c.dir, "smo-notifications.log")); err != nil {
		return nil, err
	}
	started.push(r.smo)

	fmt.Println("starting the local chart repository (demo-nf) and preparing the O2-DMS namespace …")
	if r.charts, err = localstack.StartChartRepo(filepath.Join(c.dir, "charts")); err != nil {
		return nil, err
	}
	started.push(r.charts)
	if err := prepareO2DMS(ctx, r.cp, r.members); err != nil {
		return nil, err
	}

	fmt.Println("starting netweave and registering APIService", localstack.APIServiceName, "…")
	auditing, err := auditArgs(ctx, filepath.Join(c.dir, "netweave"))
	if err != nil {
		return nil, err
	}
	r.auditLog = auditing.log
	extra := append(append(append([]string{"--alertmanager-url=" + r.alertmanager.URL, "--alertmanager-receiver=" + localstack.AlertmanagerReceiver}, smoRegistrationArgs(r.smo.URL)...), auditing.args...), c.extra...)
	nw, err := localstack.StartNetweave(ctx, r.cp, localstack.NetweaveOptions{
		Binary: c.netweave, Dir: filepath.Join(c.dir, "netweave"), RedisAddr: r.redisAddr, KeyPrefix: "netweave",
		Port: r.netweavePort, O2Port: r.o2Port, Args: append(append(append(netweaveArgs(), o2dmsArgs()...), provisioningArgs()...), extra...), WaitReady: true, Timeout: c.timeout,
		Kubeconfig: kubeconfig,
	})
	if err != nil {
		return nil, err
	}
	r.netweave = nw.Process
	started.push(r.netweave)

	if err := createDemoDescriptors(ctx, r.cp, r.charts); err != nil {
		return nil, err
	}
	if err := fireDemoAlert(ctx, r.alertmanager); err != nil {
		return nil, err
	}
	if r.examples, r.exampleErrors, err = applyExamples(ctx, c.examples, r.cp.Kubeconfig(localstack.Admin)); err != nil {
		return nil, err
	}
	// After the examples, which gave the alert's group_wait and the alarm side's lease the time
	// they take.
	fmt.Println("waiting for the demo alarms …")
	if r.alarmError = waitForDemoAlarms(ctx, r.cp.RESTConfig(localstack.Admin), c.timeout); ctx.Err() != nil {
		return nil, r.alarmError
	}

	for user, name := range map[string]string{localstack.Admin: "kubeconfig", localstack.Alice: "kubeconfig-alice", localstack.Bob: "kubeconfig-bob"} {
		dst := filepath.Join(c.dir, name)
		if err := copyFile(r.cp.Kubeconfig(user), dst); err != nil {
			return nil, err
		}
		r.kubeconfigs[user] = dst
	}
	return r, nil
}

// copyFile works because the local stack's kubeconfigs are self-contained (CA and token inline).
func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("copy kubeconfig: %w", err)
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		return fmt.Errorf("copy kubeconfig: %w", err)
	}
	return nil
}
