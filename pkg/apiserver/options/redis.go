package options

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/apiserver"
	"github.com/netweave-io/netweave/pkg/clienttls"
	redisstore "github.com/netweave-io/netweave/pkg/storage/redis"
)

// RedisOptions say how to reach the Redis that stores the O2 inventory: one server, or a
// Sentinel-managed primary for failover, optionally over TLS.
type RedisOptions struct {
	Address           string
	SentinelMaster    string
	SentinelAddresses []string
	// SentinelUsername and SentinelPasswordFile are the Sentinels' own credentials, for
	// Sentinels that require ones other than the data nodes' (a Sentinel with its own
	// requirepass, or an ACL user there). Without SentinelPasswordFile the Sentinels are offered
	// the data nodes' password, which is how most Sentinel deployments are set up. Either file
	// is read again for every new Sentinel connection, as PasswordFile is for the data nodes'.
	SentinelUsername     string
	SentinelPasswordFile string
	Username             string
	PasswordFile         string
	DB                   int
	TLS                  bool
	TLSCAFile            string
	TLSCertFile          string
	TLSKeyFile           string
	TLSServerName        string
	// SentinelTLSServerName is the name verified in the Sentinels' certificates when it is not
	// TLSServerName (Sentinels with certificates of their own); "" verifies them as the data nodes.
	SentinelTLSServerName string
	KeyPrefix             string
	HistoryLength         int64
	// HistoryBytes bounds the change log per resource by approximate size as well.
	HistoryBytes int64
	// RequireAOF, DurabilityAsserted and DurabilityCheckInterval configure the
	// redis-durability readiness check (see docs/redis.md).
	RequireAOF              bool
	DurabilityAsserted      bool
	DurabilityCheckInterval time.Duration
	// MinReplicasAck and MinReplicasAckTimeout bound what a failover can lose: every write
	// waits until that many replicas have it.
	MinReplicasAck        int
	MinReplicasAckTimeout time.Duration
	// WatermarkLease names the Lease, in the inventory namespace, that keeps the newest
	// revision the replicas saw (apiserver.StoreWatermark); "" keeps none.
	WatermarkLease string
	// WatermarkInterval is how often each replica records it.
	WatermarkInterval time.Duration
}

// NewRedisOptions returns the defaults: a local Redis without TLS.
func NewRedisOptions() *RedisOptions {
	return &RedisOptions{Address: "127.0.0.1:6379", KeyPrefix: "netweave", HistoryLength: 10000, HistoryBytes: redisstore.DefaultHistoryBytes,
		DurabilityCheckInterval: time.Minute, MinReplicasAckTimeout: 500 * time.Millisecond,
		WatermarkLease: "netweave-store-watermark", WatermarkInterval: apiserver.DefaultWatermarkInterval}
}

// AddFlags registers the Redis flags.
func (o *RedisOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Address, "redis-address", o.Address, "host:port of the Redis server (ignored when --redis-sentinel-master is set).")
	fs.StringVar(&o.SentinelMaster, "redis-sentinel-master", o.SentinelMaster, "Name of the Sentinel-monitored primary; enables Sentinel failover.")
	fs.StringSliceVar(&o.SentinelAddresses, "redis-sentinel-addresses", o.SentinelAddresses, "host:port of the Sentinels, comma separated.")
	fs.StringVar(&o.SentinelUsername, "redis-sentinel-username", o.SentinelUsername, "ACL user name for the Sentinels, when they have users of their own (default: their default user).")
	fs.StringVar(&o.SentinelPasswordFile, "redis-sentinel-password-file", o.SentinelPasswordFile, "File holding the Sentinels' password, when it is not the data nodes' (default: the --redis-password-file password); read again for every new Sentinel connection, so a password rotated in the file needs no restart.")
	fs.StringVar(&o.Username, "redis-username", o.Username, "ACL user name for Redis.")
	fs.StringVar(&o.PasswordFile, "redis-password-file", o.PasswordFile, "File holding the Redis password (kept out of the process list); read again for every new connection, so a password rotated in the file needs no restart.")
	fs.IntVar(&o.DB, "redis-db", o.DB, "Redis logical database number.")
	fs.BoolVar(&o.TLS, "redis-tls", o.TLS, "Connect to Redis over TLS.")
	fs.StringVar(&o.TLSCAFile, "redis-tls-ca-file", o.TLSCAFile, "CA bundle that signs the Redis server certificate (default: system roots).")
	fs.StringVar(&o.TLSCertFile, "redis-tls-cert-file", o.TLSCertFile, "Client certificate for Redis mutual TLS; read again at every new connection, so a renewed certificate needs no restart.")
	fs.StringVar(&o.TLSKeyFile, "redis-tls-key-file", o.TLSKeyFile, "Client key for Redis mutual TLS.")
	fs.StringVar(&o.TLSServerName, "redis-tls-server-name", o.TLSServerName, "Server name to verify in the Redis certificate.")
	fs.StringVar(&o.SentinelTLSServerName, "redis-sentinel-tls-server-name", o.SentinelTLSServerName, "Server name to verify in the certificates of the Sentinels of --redis-sentinel-addresses, when it is not the data nodes' (default: as the data nodes, --redis-tls-server-name or the host dialled).")
	fs.StringVar(&o.KeyPrefix, "redis-key-prefix", o.KeyPrefix, "Prefix of every Redis key, so several installs can share one Redis.")
	fs.Int64Var(&o.HistoryLength, "redis-history-length", o.HistoryLength, "Change events kept per resource; bounds how old a resourceVersion a watch may resume from (older gets 410 Gone).")
	fs.Int64Var(&o.HistoryBytes, "redis-history-bytes", o.HistoryBytes, "Approximate bytes of change events kept per resource, whichever of it and --redis-history-length binds first; bounds Redis memory when objects are large. Negative removes the byte bound.")
	fs.BoolVar(&o.RequireAOF, "redis-require-aof", o.RequireAOF, "Stay unready unless Redis keeps an append-only file fsynced at least every second (default: only warn).")
	fs.BoolVar(&o.DurabilityAsserted, "redis-durability-asserted", o.DurabilityAsserted, "Where Redis refuses CONFIG GET (managed Redis, restricted ACL user), trust that it runs maxmemory-policy noeviction with AOF instead of staying unready.")
	fs.DurationVar(&o.DurabilityCheckInterval, "redis-durability-check-interval", o.DurabilityCheckInterval, "How often Redis's eviction and persistence settings are checked besides readiness probes.")
	fs.IntVar(&o.MinReplicasAck, "redis-min-replicas-ack", o.MinReplicasAck, "Replicas that must have each write (Redis WAIT) before it is acknowledged, and each commit of queued notifications before the notifier goes on; a write they do not confirm in time fails, a commit is made again. 0 disables.")
	fs.DurationVar(&o.MinReplicasAckTimeout, "redis-min-replicas-ack-timeout", o.MinReplicasAckTimeout, "How long a write waits for --redis-min-replicas-ack replicas.")
	fs.StringVar(&o.WatermarkLease, "redis-watermark-lease", o.WatermarkLease, "Lease, in the inventory namespace, where replicas record the newest revision they saw of the store, so that a replica starting after Redis went back while none ran notices it (docs/redis.md). Empty keeps none.")
	fs.DurationVar(&o.WatermarkInterval, "redis-watermark-interval", o.WatermarkInterval, "How often each replica records the newest revision it saw in --redis-watermark-lease; writes acknowledged within the last interval before such a rollback are not covered.")
}

// Validate reports inconsistent flags.
func (o *RedisOptions) Validate() []error {
	var errs []error
	if o.SentinelMaster == "" && o.Address == "" {
		errs = append(errs, errors.New("--redis-address is required unless --redis-sentinel-master is set"))
	}
	if o.SentinelMaster != "" && len(o.SentinelAddresses) == 0 {
		errs = append(errs, errors.New("--redis-sentinel-addresses is required with --redis-sentinel-master"))
	}
	// Redis is not dialled at start (readiness reports it unreachable), so an address no dial
	// can use would otherwise show only as a replica that never turns ready.
	if o.SentinelMaster == "" && o.Address != "" {
		if err := hostPort(o.Address); err != nil {
			errs = append(errs, fmt.Errorf("--redis-address %q: %w", o.Address, err))
		}
	}
	if o.SentinelMaster == "" && (o.SentinelUsername != "" || o.SentinelPasswordFile != "") {
		errs = append(errs, errors.New("--redis-sentinel-username and --redis-sentinel-password-file need --redis-sentinel-master"))
	}
	if o.SentinelMaster != "" && o.SentinelUsername != "" && o.SentinelPasswordFile == "" && o.PasswordFile == "" {
		// go-redis would not even try the user: it authenticates only with a password.
		errs = append(errs, errors.New("--redis-sentinel-username needs a password: an ACL user cannot authenticate without one; "+
			"set --redis-sentinel-password-file (or --redis-password-file, when the Sentinels share the data nodes' password)"))
	}
	if o.SentinelMaster != "" {
		for _, a := range o.SentinelAddresses {
			if err := hostPort(a); err != nil {
				errs = append(errs, fmt.Errorf("--redis-sentinel-addresses %q: %w", a, err))
			}
		}
	}
	if (o.TLSCertFile == "") != (o.TLSKeyFile == "") {
		errs = append(errs, errors.New("--redis-tls-cert-file and --redis-tls-key-file go together"))
	}
	if !o.TLS && (o.TLSCAFile != "" || o.TLSCertFile != "" || o.TLSServerName != "") {
		errs = append(errs, errors.New("--redis-tls-* flags need --redis-tls"))
	}
	if o.SentinelTLSServerName != "" && (!o.TLS || o.SentinelMaster == "") {
		errs = append(errs, errors.New("--redis-sentinel-tls-server-name needs --redis-tls and --redis-sentinel-master"))
	}
	// A trailing "/" is refused rather than trimmed: the object store and the notifier build
	// their keys from the prefix differently, and installs with prefixes "a" and "a/" shared
	// one keyspace of objects but not of notifications.
	if o.KeyPrefix == "" || strings.ContainsAny(o.KeyPrefix, " \t\n{}") || strings.HasSuffix(o.KeyPrefix, "/") {
		errs = append(errs, fmt.Errorf("--redis-key-prefix %q must be non-empty, contain no spaces or braces and not end in /", o.KeyPrefix))
	}
	if o.HistoryLength == 0 {
		errs = append(errs, errors.New("--redis-history-length must not be 0 (negative keeps everything)"))
	}
	if o.HistoryBytes == 0 {
		errs = append(errs, errors.New("--redis-history-bytes must not be 0 (negative removes the byte bound)"))
	}
	if o.DurabilityCheckInterval <= 0 {
		errs = append(errs, errors.New("--redis-durability-check-interval must be positive"))
	}
	if o.MinReplicasAck < 0 {
		errs = append(errs, errors.New("--redis-min-replicas-ack must not be negative"))
	}
	if o.MinReplicasAck > 0 && o.MinReplicasAckTimeout < time.Millisecond {
		// WAIT takes milliseconds, and WAIT 0 would block forever.
		errs = append(errs, errors.New("--redis-min-replicas-ack-timeout must be at least 1ms"))
	}
	if o.WatermarkLease != "" {
		for _, msg := range validation.IsDNS1123Subdomain(o.WatermarkLease) {
			errs = append(errs, fmt.Errorf("--redis-watermark-lease: %s", msg))
		}
	}
	if o.WatermarkInterval <= 0 {
		errs = append(errs, errors.New("--redis-watermark-interval must be positive"))
	}
	if o.DB < 0 {
		errs = append(errs, errors.New("--redis-db must not be negative"))
	}
	return errs
}

// hostPort reports an address that is not host:port with a numeric port (an empty host is
// the local host, as for net.Dial).
func hostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port: %w", err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("want host:port: %q is not a port", port)
	}
	return nil
}

// defaultReadTimeout is go-redis's.
const defaultReadTimeout = 3 * time.Second

// Per-connection buffers. go-redis sizes them for throughput (32 KiB each way on a command
// connection, 128 KiB each way on a pipeline connection), which netweave pays for every
// connection it keeps open, busy or not: 3.4 MB of a 34 MB idle heap, doubled in RSS by the
// collector's headroom (issue 10). netweave's commands and replies are one object or a few
// (a stored object is a few KiB), so the smaller buffers cost no extra round trip; a reply
// larger than the buffer (a chunk of change history) is read in more system calls, not
// refused, and pipelines keep a larger buffer than single commands because their replies
// arrive together.
const (
	commandBufferBytes  = 8 << 10
	pipelineBufferBytes = 32 << 10
)

// Unauthenticated returns why Redis lets netweave in without credentials (no password file,
// and no client certificate over TLS), or "" when it does not. netweave then works, and so does
// anyone else who reaches that Redis: they read and write every tenant's objects, subscriptions
// and alarms around RBAC, admission and audit. Worth a loud warning, not a refusal: a Redis
// reachable only over loopback or a private network (make run, a sidecar) may be meant that way.
func (o *RedisOptions) Unauthenticated() string {
	if o.PasswordFile != "" || (o.TLS && o.TLSCertFile != "") {
		return ""
	}
	return "no --redis-password-file and no TLS client certificate (--redis-tls-cert-file)"
}

// NewClient builds the client the options describe. It does not dial: readiness reports an
// unreachable Redis instead of the process refusing to start.
func (o *RedisOptions) NewClient() (goredis.UniversalClient, error) {
	opts := &goredis.UniversalOptions{
		Username:                o.Username,
		DB:                      o.DB,
		ReadBufferSize:          commandBufferBytes,
		WriteBufferSize:         commandBufferBytes,
		PipelineReadBufferSize:  pipelineBufferBytes,
		PipelineWriteBufferSize: pipelineBufferBytes,
		// Maintenance notifications (MOVING, MIGRATING, ...) are a Redis Enterprise and Cloud
		// feature; the open-source Redis and Sentinel netweave supports answer the handshake
		// with an error. Left at go-redis's "auto", every new connection sends that handshake
		// and then rewrites the client's config from the connection's goroutine.
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
	if o.MinReplicasAck > 0 {
		// A write and its WAIT are read back as one pipeline, under the client's read
		// timeout (3s by default): it must outlast the WAIT.
		opts.ReadTimeout = max(defaultReadTimeout, o.MinReplicasAckTimeout+time.Second)
	}
	if o.PasswordFile != "" {
		// Read now, so that a missing file stops the start, and again for every connection
		// opened after (a new connection, a reconnect after a failover or a killed client):
		// a password rotated in the file (a Secret updated in place) is used from the next
		// connection on, without a restart, while the open ones stay authenticated.
		pw, err := readPassword(o.PasswordFile, "--redis-password-file")
		if err != nil {
			return nil, err
		}
		opts.Password = pw
		opts.CredentialsProviderContext = func(context.Context) (string, string, error) {
			pw, err := readPassword(o.PasswordFile, "--redis-password-file")
			return o.Username, pw, err
		}
	}
	if o.SentinelMaster != "" {
		opts.MasterName = o.SentinelMaster
		opts.Addrs = o.SentinelAddresses
		// Sentinels commonly share the data nodes' password. go-redis takes the Sentinels'
		// credentials as values (SentinelUsername, SentinelPassword: it has no provider for
		// them), which left them the ones read at start: after a rotation every new Sentinel
		// connection was refused (WRONGPASS) until a restart. They are left empty and the
		// Sentinel connections are authenticated by authenticateSentinel instead, with the
		// password read again for each.
		if file, flag := o.sentinelPasswordFile(); file != "" {
			// Read now, so that a missing file stops the start.
			if _, err := readPassword(file, flag); err != nil {
				return nil, err
			}
			opts.OnConnect = authenticateSentinel(o.SentinelUsername, file, flag)
		}
	} else {
		opts.Addrs = []string{o.Address}
	}
	if o.TLS {
		cfg, err := o.tlsConfig()
		if err != nil {
			return nil, err
		}
		opts.TLSConfig = cfg
		if o.SentinelMaster != "" && o.SentinelTLSServerName != "" {
			// go-redis dials the Sentinels with the data nodes' TLS configuration (one Dialer,
			// one TLSConfig), so Sentinels whose certificates name them, not the data nodes,
			// failed every handshake and netweave never turned ready.
			opts.Dialer = sentinelTLSDialer(o.SentinelAddresses, cfg, o.SentinelTLSServerName)
		}
	}
	return goredis.NewUniversalClient(opts), nil
}

// sentinelPasswordFile is the file holding the Sentinels' password and the flag that names it,
// or "" when the Sentinels are offered none.
func (o *RedisOptions) sentinelPasswordFile() (file, flag string) {
	if o.SentinelPasswordFile != "" {
		return o.SentinelPasswordFile, "--redis-sentinel-password-file"
	}
	return o.PasswordFile, "--redis-password-file"
}

// failoverConnPrefix starts what a go-redis Conn of a failover client's data nodes prints
// (Redis<addr db:N>, where addr is the "FailoverClient" go-redis gives them), where a Sentinel
// connection prints the Sentinel's host:port.
const failoverConnPrefix = "Redis<FailoverClient "

// authenticateSentinel is the OnConnect hook of a failover client, which go-redis runs for every
// new connection, to the data nodes (already authenticated with --redis-password-file, by the
// credentials provider) and to the Sentinels (those of --redis-sentinel-addresses, the ones
// go-redis learns of from them, and the subscriptions that tell of a failover). go-redis has no
// credentials provider for the Sentinels, only values, read once; so it is given none, and a
// Sentinel that requires a password answers its handshake (HELLO) NOAUTH, which go-redis takes
// as a server that does not speak RESP3 and goes on. The hook then asks the Sentinel for a PING:
// NOAUTH, and the connection is authenticated (AUTH, as username when one is set) with the
// password read from file now, so that a password rotated in the file is used from the next
// connection on. A Sentinel that requires no password answers the PING and is left so. Data-node
// connections are told apart by what go-redis prints for them and skipped without a round trip;
// were that to change, their PING would answer and they would be left so too.
func authenticateSentinel(username, file, flag string) func(context.Context, *goredis.Conn) error {
	return func(ctx context.Context, cn *goredis.Conn) error {
		if strings.HasPrefix(cn.String(), failoverConnPrefix) {
			return nil
		}
		err := cn.Ping(ctx).Err()
		var answered goredis.Error
		switch {
		case err == nil:
			return nil
		case !errors.As(err, &answered):
			return err // the connection failed: go-redis drops it
		case !goredis.HasErrorPrefix(err, "NOAUTH"):
			// Authenticated, but refused the PING (an ACL without it): the connection is as
			// usable as without the hook.
			return nil
		}
		pw, err := readPassword(file, flag)
		if err != nil {
			return err
		}
		if username != "" {
			err = cn.AuthACL(ctx, username, pw).Err()
		} else {
			err = cn.Auth(ctx, pw).Err()
		}
		if err != nil {
			// The Redis error stays the one wrapped: the store and readiness tell a refusal of
			// the Sentinels' credentials by it (redisstore.RefusalAdvice).
			addr, _, _ := strings.Cut(strings.TrimPrefix(cn.String(), "Redis<"), " ")
			return fmt.Errorf("authenticate to the Sentinel %s with %s: %w", addr, flag, err)
		}
		return nil
	}
}

// NodeClient builds a client of the one Redis at addr (a replica the primary names), with the
// data nodes' credentials and TLS settings: what netweave would use once a failover promoted
// it. It does not dial.
func (o *RedisOptions) NodeClient(addr string) (goredis.UniversalClient, error) {
	node := *o
	node.Address, node.SentinelMaster, node.SentinelAddresses = addr, "", nil
	node.SentinelUsername, node.SentinelPasswordFile, node.SentinelTLSServerName = "", "", ""
	return node.NewClient()
}

// defaultDialTimeout is go-redis's.
const defaultDialTimeout = 5 * time.Second

// sentinelTLSDialer dials the Sentinels of addrs verifying serverName in their certificates,
// and every other address (the data nodes Sentinel names) with cfg, as go-redis would. Sentinels
// go-redis learns of from the ones in addrs are dialled as data nodes: it turns to them only
// when none in addrs answers.
func sentinelTLSDialer(addrs []string, cfg *tls.Config, serverName string) func(context.Context, string, string) (net.Conn, error) {
	sentinelCfg := cfg.Clone()
	sentinelCfg.ServerName = serverName
	sentinels := map[string]bool{}
	for _, a := range addrs {
		sentinels[a] = true
	}
	data := goredis.NewDialer(&goredis.Options{DialTimeout: defaultDialTimeout, TLSConfig: cfg})
	sentinel := goredis.NewDialer(&goredis.Options{DialTimeout: defaultDialTimeout, TLSConfig: sentinelCfg})
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if sentinels[addr] {
			return sentinel(ctx, network, addr)
		}
		return data(ctx, network, addr)
	}
}

func (o *RedisOptions) tlsConfig() (*tls.Config, error) {
	cfg, err := clienttls.Files{CAFile: o.TLSCAFile, CertFile: o.TLSCertFile, KeyFile: o.TLSKeyFile,
		CAFlag: "--redis-tls-ca-file", CertFlag: "--redis-tls-cert-file"}.Config(klog.Background().WithName("redis"))
	if err != nil {
		return nil, err
	}
	cfg.ServerName = o.TLSServerName
	return cfg, nil
}

// readPassword reads the password file the flag names, without the line end an editor or `echo`
// leaves.
func readPassword(file, flag string) (string, error) {
	pw, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", flag, err)
	}
	return strings.TrimRight(string(pw), "\r\n"), nil
}
