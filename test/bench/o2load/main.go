// Command o2load is a closed-loop HTTP load generator for the O2-IMS REST API on loopback:
// a fixed number of workers over kept-alive HTTP/1.1 (or one HTTP/2) connection(s), a bounded
// number of requests or a bounded duration, and a report of throughput, errors and exact
// latency percentiles.
//
//	o2load -base https://127.0.0.1:9443 -cacert ca.crt -token-file admin.token \
//	  -c 16 -d 10s -path /o2ims-infrastructureInventory/v1/resourceTypes/<id>
//
// Paths come from -path (repeatable) and -paths-file (one a line); each request picks one at
// random. Only loopback addresses are accepted.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/netweave-io/netweave/test/bench/load"
)

type pathList []string

func (p *pathList) String() string     { return strings.Join(*p, ",") }
func (p *pathList) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "o2load:", err)
		os.Exit(1)
	}
}

func run() error {
	var paths pathList
	base := flag.String("base", "", "scheme://host:port of the server (loopback only)")
	flag.Var(&paths, "path", "request path with query (repeatable)")
	pathsFile := flag.String("paths-file", "", "file of request paths, one a line")
	concurrency := flag.Int("c", 16, "workers, each with one request in flight")
	requests := flag.Int("n", 0, "total requests (0: run for -d)")
	duration := flag.Duration("d", 10*time.Second, "run duration when -n is 0")
	warmup := flag.Int("warmup", 0, "requests sent before measuring (connections, caches)")
	token := flag.String("token", "", "bearer token")
	tokenFile := flag.String("token-file", "", "file holding the bearer token")
	caFile := flag.String("cacert", "", "PEM CA bundle to verify the server with")
	serverName := flag.String("server-name", "", "TLS server name to verify (default: the host)")
	h2 := flag.Bool("http2", false, "use HTTP/2 instead of HTTP/1.1")
	timeout := flag.Duration("timeout", 30*time.Second, "per-request timeout")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()

	if *base == "" {
		return errors.New("-base is required")
	}
	if *pathsFile != "" {
		more, err := readLines(*pathsFile)
		if err != nil {
			return err
		}
		paths = append(paths, more...)
	}
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return err
		}
		*token = strings.TrimSpace(string(b))
	}
	var tlsConfig *tls.Config
	if strings.HasPrefix(*base, "https://") {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: *serverName}
		if *caFile != "" {
			pem, err := os.ReadFile(*caFile)
			if err != nil {
				return err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return fmt.Errorf("%s holds no certificates", *caFile)
			}
			tlsConfig.RootCAs = pool
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	client := load.NewClient(tlsConfig, *concurrency, *h2, *timeout)
	defer client.Close()
	cfg := load.Config{Base: *base, Paths: paths, Concurrency: *concurrency, Token: *token, Seed: 1}
	if *warmup > 0 {
		w := cfg
		w.Requests = *warmup
		if _, err := client.Run(ctx, w); err != nil {
			return err
		}
	}
	cfg.Requests, cfg.Duration = *requests, *duration
	if *requests > 0 {
		cfg.Duration = 0
	}
	res, err := client.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{
			"requests": res.Requests, "errors": res.Errors, "statuses": res.Statuses,
			"elapsedSeconds": res.Elapsed.Seconds(), "requestsPerSecond": res.Throughput(), "bytes": res.Bytes,
			"p50ms": msf(res.Percentile(50)), "p95ms": msf(res.Percentile(95)), "p99ms": msf(res.Percentile(99)), "maxms": msf(res.Max()),
			"firstError": res.FirstError,
		})
	}
	fmt.Println(res)
	if res.Errors > 0 {
		fmt.Printf("statuses %v; first error: %s\n", res.Statuses, res.FirstError)
	}
	return nil
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}
