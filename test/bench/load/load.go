// Package load is a small closed-loop HTTP load generator for loopback benchmarks: a fixed
// number of workers, each sending one request at a time over kept-alive connections, for a
// bounded number of requests or a bounded duration. Every latency is kept, so percentiles are
// exact, not bucketed.
package load

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxRequests bounds one run when only a duration is given, so samples cannot grow without
// limit (8 bytes each: 80 MB at the bound).
const MaxRequests = 10_000_000

// Config describes one run.
type Config struct {
	// Base is scheme://host:port; it must be a loopback address.
	Base string
	// Bases, when set instead of Base, are several servers (replicas): worker i sends to
	// Bases[i%len(Bases)], a client-side round robin. Each must be a loopback address.
	Bases []string
	// Paths are requested in random order (path plus query, e.g. "/x?filter=..."). At least one.
	Paths []string
	// Concurrency is the number of workers, each with one request in flight.
	Concurrency int
	// Requests is the total number of requests; when 0, Duration bounds the run instead.
	Requests int
	// Duration bounds the run when Requests is 0.
	Duration time.Duration
	// Token, when set, is sent as "Authorization: Bearer <token>".
	Token string
	// Want is the status counted as success (200 when 0); anything else is an error.
	Want int
	// Seed makes the random path order reproducible.
	Seed uint64
}

// Client makes the HTTP client of a run. Keep it across runs so connections stay warm.
type Client struct {
	http *http.Client
}

// NewClient returns a client for up to conns keep-alive connections: HTTP/2 (one multiplexed
// connection) when h2 is true, HTTP/1.1 otherwise. tlsConfig may be nil for plain HTTP.
func NewClient(tlsConfig *tls.Config, conns int, h2 bool, timeout time.Duration) *Client {
	protocols := new(http.Protocols)
	if h2 {
		protocols.SetHTTP2(true)
	} else {
		protocols.SetHTTP1(true)
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsConfig,
		Protocols:           protocols,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}
	return &Client{http: &http.Client{Transport: tr, Timeout: timeout}}
}

// Close drops the idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Result is what one run measured.
type Result struct {
	Requests int
	Errors   int
	// Statuses counts responses by status code (0: transport error).
	Statuses map[int]int
	Bytes    int64
	Elapsed  time.Duration
	// latencies of every request, sorted.
	latencies []time.Duration
	// FirstError describes the first failure, for diagnosis.
	FirstError string
}

// Throughput is completed requests per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the latency below which p (0..100) percent of the requests completed.
func (r Result) Percentile(p float64) time.Duration {
	n := len(r.latencies)
	if n == 0 {
		return 0
	}
	i := int(float64(n)*p/100+0.5) - 1
	return r.latencies[min(max(i, 0), n-1)]
}

// Max is the slowest request.
func (r Result) Max() time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[len(r.latencies)-1]
}

// String is a one-line summary.
func (r Result) String() string {
	return fmt.Sprintf("%d requests in %s: %.0f req/s, %d errors, %.1f MB/s, latency p50 %s p95 %s p99 %s max %s",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.Throughput(), r.Errors,
		float64(r.Bytes)/r.Elapsed.Seconds()/1e6,
		ms(r.Percentile(50)), ms(r.Percentile(95)), ms(r.Percentile(99)), ms(r.Max()))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// CheckLoopback refuses anything but a loopback host: this generator is for benchmarks on
// this machine, never a tool against someone else's service.
func CheckLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return fmt.Errorf("base URL %q: want scheme://host:port", base)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("base URL %q: only loopback addresses are allowed", base)
	}
	return nil
}

// Run sends the load and returns the measurements. It stops after cfg.Requests requests or
// cfg.Duration, whichever is configured, or when ctx is done.
func (c *Client) Run(ctx context.Context, cfg Config) (Result, error) {
	bases := append([]string(nil), cfg.Bases...)
	if len(bases) == 0 {
		bases = []string{cfg.Base}
	}
	for i, b := range bases {
		if err := CheckLoopback(b); err != nil {
			return Result{}, err
		}
		bases[i] = strings.TrimSuffix(b, "/")
	}
	if len(cfg.Paths) == 0 {
		return Result{}, errors.New("no paths to request")
	}
	if cfg.Concurrency < 1 {
		return Result{}, errors.New("concurrency must be at least 1")
	}
	if cfg.Requests <= 0 && cfg.Duration <= 0 {
		return Result{}, errors.New("give a request count or a duration")
	}
	want := cfg.Want
	if want == 0 {
		want = http.StatusOK
	}
	budget := int64(cfg.Requests)
	if budget <= 0 {
		budget = MaxRequests
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}

	var issued atomic.Int64
	workers := make([]workerResult, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range workers {
		wr := &workers[i]
		wr.statuses = map[int]int{}
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
		base := bases[i%len(bases)]
		wg.Go(func() {
			for ctx.Err() == nil && issued.Add(1) <= budget {
				path := cfg.Paths[rng.IntN(len(cfg.Paths))]
				t0 := time.Now()
				status, n, err := c.do(ctx, base+path, cfg.Token)
				d := time.Since(t0)
				if err != nil && ctx.Err() != nil {
					return // cut off by the deadline: not a measurement
				}
				wr.latencies = append(wr.latencies, d)
				wr.bytes += n
				wr.statuses[status]++
				if err != nil || status != want {
					wr.errors++
					if wr.firstError == "" {
						wr.firstError = fmt.Sprintf("GET %s: status %d: %v", path, status, err)
					}
				}
			}
		})
	}
	wg.Wait()
	res := Result{Elapsed: time.Since(start), Statuses: map[int]int{}}
	for _, wr := range workers {
		res.Requests += len(wr.latencies)
		res.Errors += wr.errors
		res.Bytes += wr.bytes
		res.latencies = append(res.latencies, wr.latencies...)
		for s, n := range wr.statuses {
			res.Statuses[s] += n
		}
		if res.FirstError == "" {
			res.FirstError = wr.firstError
		}
	}
	slices.Sort(res.latencies)
	return res, nil
}

type workerResult struct {
	latencies  []time.Duration
	errors     int
	bytes      int64
	statuses   map[int]int
	firstError string
}

// do sends one GET and reads the whole body, so the connection can be reused.
func (c *Client) do(ctx context.Context, url, token string) (int, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	return resp.StatusCode, n, err
}

// Get fetches one URL and returns its body, for capturing responses outside a run.
func (c *Client) Get(ctx context.Context, url, token string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return body, resp.StatusCode, err
}
