// Command localup runs netweave against a real local control plane for 'make run': Redis, etcd,
// kube-apiserver, kube-controller-manager, Alertmanager (its webhook to netweave) and netweave
// on free loopback ports, the APIService registered, the examples applied, a demo alert fired,
// and an admin kubeconfig written to _output/local/kubeconfig. Ctrl-C stops everything.
//
// Usage: localup [flags] [-- extra netweave flags]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/netweave-io/netweave/internal/localstack"
)

type config struct {
	dir      string
	netweave string
	examples string
	timeout  time.Duration
	extra    []string
}

func main() {
	cfg, err := parseFlags()
	if err == nil {
		err = run(cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "localup:", err)
		os.Exit(1)
	}
}

func parseFlags() (config, error) {
	root, err := localstack.RepoRoot()
	if err != nil {
		return config{}, err
	}
	var c config
	flag.StringVar(&c.dir, "dir", filepath.Join(root, "_output", "local"), "directory for kubeconfigs, logs and data (its previous run is wiped)")
	flag.StringVar(&c.netweave, "netweave", filepath.Join(root, "_output", "bin", "netweave"), "netweave binary")
	flag.StringVar(&c.examples, "examples", filepath.Join(root, "artifacts", "examples"), "directory whose *.yaml are applied once netweave is available")
	flag.DurationVar(&c.timeout, "timeout", localstack.DefaultStartTimeout, "how long to wait for each component to become ready")
	flag.Parse()
	c.extra = flag.Args()
	return c, nil
}

func run(c config) (err error) {
	if fi, statErr := os.Stat(c.netweave); statErr != nil || fi.IsDir() {
		return fmt.Errorf("netweave binary %s not found: build it with "+
			"'go build -o _output/bin/netweave ./cmd/netweave' (hack/local-up.sh does once cmd/netweave exists) "+
			"or pass -netweave", c.netweave)
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	// Before anything under c.dir is removed: those may be another running launcher's files.
	release, err := lockDir(c.dir)
	if err != nil {
		return err
	}
	defer release()

	// Stale etcd data or Redis files would not match this run's fresh certificates and tokens.
	stale := []string{"controlplane", "redis", "alertmanager", "netweave"}
	for name := range memberDemoNodes() {
		stale = append(stale, "member-"+name)
	}
	for _, sub := range stale {
		if err := os.RemoveAll(filepath.Join(c.dir, sub)); err != nil {
			return fmt.Errorf("clean %s: %w", c.dir, err)
		}
	}
	for _, sub := range []string{"redis", "alertmanager", "netweave"} {
		if err := os.MkdirAll(filepath.Join(c.dir, sub), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", c.dir, err)
		}
	}

	var started stack
	defer func() {
		// However the run ends (Ctrl-C during start-up included), a second Ctrl-C kills the
		// launcher at once; its children die with it (Pdeathsig).
		stopSignals()
		fmt.Println("stopping netweave, alertmanager, the member clusters, kube-controller-manager, kube-apiserver, etcd and redis …")
		err = errors.Join(err, started.stopAll())
	}()

	begin := time.Now()
	up, err := bringUp(ctx, c, &started)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted during start-up: %w", err)
		}
		return err
	}
	printNextSteps(c, up, time.Since(begin))

	return supervise(ctx, up, c.timeout)
}
