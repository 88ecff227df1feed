// Command etcd runs a single-member etcd from go.etcd.io/etcd/server/v3/embed. The upstream
// server module cannot be 'go install'ed (its go.mod carries replace directives), so the e2e
// tier and 'make run' build this instead.
package main

import (
	"flag"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

func main() {
	// A name of its own lets a caller tell this etcd from another that answers on the same
	// port (internal/localstack asks the member list before it trusts /health).
	name := flag.String("name", "default", "member name")
	dataDir := flag.String("data-dir", "default.etcd", "directory for the etcd data")
	clientURL := flag.String("listen-client-urls", "http://127.0.0.1:2379", "client URL to serve")
	peerURL := flag.String("listen-peer-urls", "http://127.0.0.1:2380", "peer URL to serve")
	unsafeNoFsync := flag.Bool("unsafe-no-fsync", false, "skip fsync (tests only)")
	flag.Parse()

	cfg := embed.NewConfig()
	cfg.Name = *name
	cfg.Dir = *dataDir
	cu, err := url.Parse(*clientURL)
	if err != nil {
		log.Fatalf("parse client url: %v", err)
	}
	pu, err := url.Parse(*peerURL)
	if err != nil {
		log.Fatalf("parse peer url: %v", err)
	}
	cfg.ListenClientUrls = []url.URL{*cu}
	cfg.AdvertiseClientUrls = []url.URL{*cu}
	cfg.ListenPeerUrls = []url.URL{*pu}
	cfg.AdvertisePeerUrls = []url.URL{*pu}
	cfg.InitialCluster = cfg.Name + "=" + pu.String()
	cfg.UnsafeNoFsync = *unsafeNoFsync
	cfg.LogLevel = "warn"

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		log.Fatalf("start etcd: %v", err)
	}
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
		log.Printf("etcd ready on %s", cu)
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		log.Fatal("etcd took too long to start")
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case err := <-e.Err():
		log.Fatalf("etcd: %v", err)
	case <-sig:
	}
}
