package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/netweave-io/netweave/internal/capturedanswers"
)

// The ceiling is a bare net/http TLS server answering each request URI with bytes captured from
// netweave, in a process of its own (this test binary re-executed), so it competes for the CPUs
// with the load generator exactly as netweave does. Whatever netweave costs above it is the
// price of routing, authentication, authorization, lookup and rendering.
const (
	envCeilingBodies = "O2BENCH_CEILING_BODIES"
	envCeilingAddr   = "O2BENCH_CEILING_ADDR"
	envCeilingCert   = "O2BENCH_CEILING_CERT"
	envCeilingKey    = "O2BENCH_CEILING_KEY"
	// ceilingLifetime bounds the ceiling process should the benchmark die without stopping it.
	ceilingLifetime = time.Hour
)

func TestMain(m *testing.M) {
	if os.Getenv(envCeilingBodies) != "" {
		if err := serveCeiling(); err != nil {
			fmt.Fprintln(os.Stderr, "ceiling:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func serveCeiling() error {
	answers, err := capturedanswers.Read(os.Getenv(envCeilingBodies))
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(os.Getenv(envCeilingCert), os.Getenv(envCeilingKey))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", os.Getenv(envCeilingAddr))
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: capturedanswers.Handler(answers),
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"h2", "http/1.1"},
		},
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       90 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, ceilingLifetime)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShutdown()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
