package options

import (
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"
)

// TestRedisDurabilityFlags: the durability flags reach the options, and values WAIT or the
// periodic check cannot work with are refused at start rather than failing every write.
func TestRedisDurabilityFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // substring of an error, "" for none
	}{
		{nil, ""},
		{[]string{"--redis-require-aof", "--redis-durability-asserted", "--redis-min-replicas-ack=1", "--redis-min-replicas-ack-timeout=2s"}, ""},
		{[]string{"--redis-min-replicas-ack=-1"}, "--redis-min-replicas-ack must not be negative"},
		{[]string{"--redis-min-replicas-ack=1", "--redis-min-replicas-ack-timeout=0"}, "at least 1ms"},
		{[]string{"--redis-min-replicas-ack-timeout=0"}, ""},
		{[]string{"--redis-durability-check-interval=0"}, "--redis-durability-check-interval must be positive"},
		// TestRegressionKeyPrefixesSharingAKeyspace: "a/" was trimmed to "a" for objects (not for
		// notifications), so two installs told to keep apart shared their objects.
		{[]string{"--redis-key-prefix=a/"}, "not end in /"},
		{[]string{"--redis-key-prefix=team/a"}, ""},
		// TestRegressionRedisAddressNotHostPort: an address without a port (or with a bad one)
		// passed; Redis is not dialled at start, so the replica only never turned ready.
		{[]string{"--redis-address=redis.example"}, `--redis-address "redis.example": want host:port`},
		{[]string{"--redis-address=redis.example:63790x"}, "is not a port"},
		{[]string{"--redis-address=redis.example:0"}, "is not a port"},
		{[]string{"--redis-address=redis://redis.example:6379"}, "--redis-address"},
		{[]string{"--redis-address=[fd00::1]:6379"}, ""},
		{[]string{"--redis-address=:6379"}, ""},
		{[]string{"--redis-sentinel-master=m", "--redis-sentinel-addresses=s1:26379,s2"}, `--redis-sentinel-addresses "s2": want host:port`},
		{[]string{"--redis-sentinel-master=m", "--redis-sentinel-addresses=s1:26379,s2:26379", "--redis-address=ignored"}, ""},
		{[]string{"--redis-sentinel-master=m", "--redis-sentinel-addresses=s1:26379", "--redis-sentinel-username=u", "--redis-sentinel-password-file=/p"}, ""},
		// TestRegressionSentinelUsernameWithoutPassword: a Sentinel user name with no password
		// at all passed, though an ACL user cannot authenticate without one.
		{[]string{"--redis-sentinel-master=m", "--redis-sentinel-addresses=s1:26379", "--redis-sentinel-username=u"}, "--redis-sentinel-username needs a password"},
		{[]string{"--redis-sentinel-master=m", "--redis-sentinel-addresses=s1:26379", "--redis-sentinel-username=u", "--redis-password-file=/p"}, ""},
		{[]string{"--redis-sentinel-password-file=/p"}, "need --redis-sentinel-master"},
		{[]string{"--redis-sentinel-username=u"}, "need --redis-sentinel-master"},
		{[]string{"--redis-sentinel-master=m", "--redis-sentinel-addresses=s1:26379", "--redis-tls", "--redis-sentinel-tls-server-name=sentinel"}, ""},
		{[]string{"--redis-sentinel-master=m", "--redis-sentinel-addresses=s1:26379", "--redis-sentinel-tls-server-name=sentinel"}, "needs --redis-tls"},
		{[]string{"--redis-tls", "--redis-sentinel-tls-server-name=sentinel"}, "needs --redis-tls and --redis-sentinel-master"},
	} {
		o := NewRedisOptions()
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		o.AddFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, err := range o.Validate() {
			msgs = append(msgs, err.Error())
		}
		got := strings.Join(msgs, "; ")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%v: errors %q, want %q", tc.args, got, tc.want)
		}
	}
	o := NewRedisOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse([]string{"--redis-require-aof", "--redis-durability-asserted", "--redis-min-replicas-ack=2", "--redis-min-replicas-ack-timeout=5s"}); err != nil {
		t.Fatal(err)
	}
	if !o.RequireAOF || !o.DurabilityAsserted || o.MinReplicasAck != 2 || o.MinReplicasAckTimeout != 5*time.Second {
		t.Errorf("flags not applied: %+v", o)
	}
}

// TestRegressionUnauthenticatedRedisIsWarnedOf: netweave connected to a Redis without any
// credentials (the chart's default external Redis) and said nothing, though whoever else
// reaches that Redis can read and change every tenant's data around RBAC. Such options are
// now named at start (a WARNING in the log); a password file or a TLS client certificate is
// credentials.
func TestRegressionUnauthenticatedRedisIsWarnedOf(t *testing.T) {
	for _, tc := range []struct {
		args []string
		warn bool
	}{
		{nil, true},
		{[]string{"--redis-tls", "--redis-tls-ca-file=/ca.crt"}, true},
		{[]string{"--redis-password-file=/pw"}, false},
		{[]string{"--redis-tls", "--redis-tls-cert-file=/c.crt", "--redis-tls-key-file=/c.key"}, false},
	} {
		o := NewRedisOptions()
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		o.AddFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := o.Unauthenticated(); (got != "") != tc.warn {
			t.Errorf("%v: Unauthenticated() = %q, want a warning: %v", tc.args, got, tc.warn)
		}
	}
}

// TestFailoverDataNodeConnectionsToldApart: authenticateSentinel skips the data nodes'
// connections without a round trip by what go-redis prints for them; a go-redis that printed
// something else would cost every new data-node connection a PING (still correct).
func TestFailoverDataNodeConnectionsToldApart(t *testing.T) {
	c := goredis.NewFailoverClient(&goredis.FailoverOptions{MasterName: "m", SentinelAddrs: []string{"127.0.0.1:1"}, DB: 3})
	defer c.Close()
	if got := c.String(); !strings.HasPrefix(got, failoverConnPrefix) {
		t.Errorf("a failover client's data nodes print %q, want it to start %q", got, failoverConnPrefix)
	}
	s := goredis.NewSentinelClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer s.Close()
	if got := s.String(); strings.HasPrefix(got, failoverConnPrefix) {
		t.Errorf("a Sentinel client prints %q, taken for a data node's", got)
	}
}
