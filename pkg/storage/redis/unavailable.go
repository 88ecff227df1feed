package redis

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	goredis "github.com/redis/go-redis/v9"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/pkg/netclass"
)

// unavailableRetryAfter is the Retry-After a client gets while Redis cannot be reached.
const unavailableRetryAfter = 1

// ReasonInsufficientStorage is the Status reason of a write Redis refused because it cannot
// store more (HTTP 507): it is at its maxmemory, or it cannot write its persistence files.
// Nothing was written, and sending the request again will fail the same way until an operator
// acts, so it is not a 503.
const ReasonInsufficientStorage metav1.StatusReason = "InsufficientStorage"

// Why Redis refused a command without running it (the reason label of
// netweave_redis_storage_rejected_total).
const (
	rejectedFull        = "full"        // at maxmemory; noeviction refuses writes
	rejectedPersistence = "persistence" // cannot write its AOF or RDB file
	rejectedMaxClients  = "max-clients" // maxclients reached
	rejectedAuth        = "auth"        // netweave's credentials are not Redis's
	rejectedPermission  = "permission"  // Redis's ACL does not let netweave's user run the command
)

// rejectionCodes maps the code an error reply of Redis starts with to the reason of a refusal
// made before the command ran; maxclients has no code of its own (see rejection).
var rejectionCodes = map[string]string{
	"OOM":        rejectedFull,
	"MISCONF":    rejectedPersistence,
	"LOADING":    "loading",     // reading its data set after a start
	"READONLY":   "read-only",   // a replica (a failover in progress)
	"MASTERDOWN": "master-down", // a replica cut off from its primary
	"NOREPLICAS": "no-replicas", // fewer replicas than min-replicas-to-write
	"TRYAGAIN":   "try-again",
	"NOAUTH":     rejectedAuth, // a password is required and netweave has none
	"WRONGPASS":  rejectedAuth, // the user name or password is not Redis's (rotated on one side only)
	"NOPERM":     rejectedPermission,
}

// unauthenticatedPrefix starts what Redis answers, instead of NOAUTH, to a command of more
// than a few arguments (or a long one) from a connection that has not authenticated; it then
// closes the connection.
const unauthenticatedPrefix = "ERR Protocol error: unauthenticated"

// rejection is why Redis refused a command before running it, from the code its error reply
// starts with, or "" for any other error. Redis makes these checks before a command runs, and
// for a script before its first write (a script that has written is never stopped half-way),
// and every store script reads before it writes, so nothing of a rejected command was applied.
func rejection(err error) string {
	var rerr goredis.Error
	if err == nil || !errors.As(err, &rerr) {
		return ""
	}
	msg := rerr.Error()
	if msg == "ERR max number of clients reached" {
		return rejectedMaxClients
	}
	if strings.HasPrefix(msg, unauthenticatedPrefix) {
		return rejectedAuth
	}
	code, _, _ := strings.Cut(msg, " ")
	return rejectionCodes[code]
}

// sentinelFailure starts the error go-redis gives when no Sentinel named the primary: every
// one was unreachable, refused netweave's credentials for the Sentinels or its commands, or knew
// no primary of that name. No data node was asked anything.
const sentinelFailure = "redis: all sentinels specified in configuration are unreachable"

// fromSentinels reports an error of the Sentinels, not of a data node.
func fromSentinels(err error) bool {
	return err != nil && strings.Contains(err.Error(), sentinelFailure)
}

// RefusalAdvice says which flags to look at when Redis refused netweave's credentials or
// commands, or when no Sentinel named the primary (unreachable, refusing, or not knowing it), and
// "" for any other error. A refusal by the Sentinels shows only the Redis error (WRONGPASS) to a client that
// looks for one: without this the operator was sent to the data nodes' credentials.
func RefusalAdvice(err error) string {
	reason := rejection(err)
	switch {
	case fromSentinels(err) && reason == rejectedAuth:
		return "the Sentinels refuse netweave's credentials for them (--redis-sentinel-username, and --redis-sentinel-password-file or, without it, --redis-password-file)"
	case fromSentinels(err) && reason == rejectedPermission:
		return "the Sentinels' ACL does not let netweave's Sentinel user (--redis-sentinel-username) run the commands it needs"
	case fromSentinels(err) && errors.Is(err, goredis.Nil):
		return "no Sentinel knows a primary of that name (--redis-sentinel-master)"
	case fromSentinels(err):
		return "no Sentinel of --redis-sentinel-addresses answered with the primary (over TLS: --redis-tls-ca-file, --redis-sentinel-tls-server-name)"
	case reason == rejectedAuth:
		return "netweave's Redis user name and password (--redis-username, --redis-password-file) are not the ones Redis accepts"
	case reason == rejectedPermission:
		return "Redis's ACL does not let netweave's Redis user run the commands it needs"
	}
	return ""
}

// redisMessage is the text of Redis's error reply without what a script adds to it (its sha
// and line), which tells a client nothing.
func redisMessage(err error) string {
	msg := err.Error()
	var rerr goredis.Error
	if errors.As(err, &rerr) {
		msg = rerr.Error()
	}
	if i := strings.Index(msg, " script: "); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSuffix(msg, ".")
}

// requestError is the error of a Redis call made for op on key. When nothing reached Redis
// (it could not be connected to, or the Breaker refused the command while Redis was not
// answering), or a read timed out, the answer is 503 with Retry-After, which tells a client
// the request is safe to send again, instead of the 500 an error of unknown outcome gets (a
// write whose connection broke or timed out mid-flight may have applied).
//
// A command Redis refused without running it (rejection) changed nothing either: 507 when
// Redis cannot store more (full, or its disk failing), which only an operator can change, and
// 503 with Retry-After for the refusals that pass by themselves (loading, failing over) and
// for credentials Redis refuses, which pass once both sides hold the same ones (netweave reads
// its password file again for every connection it opens, so a rotation needs no restart).
func requestError(op, key string, err error) error {
	var msg string
	switch reason := rejection(err); {
	case notSent(err):
		msg = fmt.Sprintf("the store is unavailable: %s of %q was not sent: %s", op, key, connectionFailure(err))
	case reason == rejectedFull || reason == rejectedPersistence:
		what := "Redis is at its maxmemory (raise it, or give Redis more memory)"
		if reason == rejectedPersistence {
			what = "Redis cannot write its persistence files (see its log)"
		}
		return &apierrors.StatusError{ErrStatus: metav1.Status{
			Status: metav1.StatusFailure,
			Code:   http.StatusInsufficientStorage,
			Reason: ReasonInsufficientStorage,
			Message: fmt.Sprintf("the store cannot take more: Redis refused the %s of %q: %s. Nothing was written; %s",
				op, key, redisMessage(err), what),
		}}
	case reason == rejectedAuth || reason == rejectedPermission:
		what := RefusalAdvice(err)
		msg = fmt.Sprintf("the store refused netweave: Redis answered the %s of %q with %q%s; %s (docs/redis.md)",
			op, key, redisMessage(err), nothingWritten(op), what)
	case reason != "":
		msg = fmt.Sprintf("the store refused the %s of %q for now: %s%s", op, key, redisMessage(err), nothingWritten(op))
	case readOnly(op) && isNetTimeout(err):
		msg = fmt.Sprintf("the store did not answer %s of %q in time: %s", op, key, connectionFailure(err))
	case readOnly(op) && replyLost(err):
		// A read changes nothing, so a connection that broke under it (Redis restarted or
		// failed over) is the store being unavailable, safe to retry: not an internal error.
		msg = fmt.Sprintf("the store's connection broke during the %s of %q: %s", op, key, connectionFailure(err))
	case !readOnly(op) && replyLost(err):
		// Sent once (NewWriteClient): Redis may have run it. Said so, rather than a bare EOF,
		// so that the client reads before it sends the write again.
		return apierrors.NewInternalError(fmt.Errorf("the outcome of the %s of %q is unknown: it was sent to Redis, which did not answer (%s); "+
			"it may have been applied: read the object before trying again", op, key, connectionFailure(err)))
	default:
		return fmt.Errorf("redis storage %s %q: %w", op, key, err)
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusServiceUnavailable,
		Reason:  metav1.StatusReasonServiceUnavailable,
		Message: msg,
		Details: &metav1.StatusDetails{RetryAfterSeconds: unavailableRetryAfter},
	}}
}

// connectionFailure is what a client is told of a failure to reach Redis or to hear from it:
// its class, never the error's text, which names Redis's address and netweave's own (a tenant's
// request is answered with it); the operator reads the error in netweave's log.
func connectionFailure(err error) string {
	klog.V(2).InfoS("Redis request failed", "err", err)
	var op *net.OpError
	switch {
	case errors.Is(err, ErrNotAnswering):
		return ErrNotAnswering.Error()
	case netclass.TLS(err):
		// crypto/tls's text names the hosts and addresses of Redis's certificate.
		return "the TLS handshake with Redis failed"
	case errors.As(err, &op) && op.Op == "dial":
		if isNetTimeout(err) {
			return "cannot connect to Redis (timed out)"
		}
		return "cannot connect to Redis"
	case isNetTimeout(err):
		return "timed out"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed"
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset"
	}
	return "connection error"
}

// replyLost reports a command whose connection broke or timed out after it was sent (dial
// failures are notSent, checked first).
func replyLost(err error) bool {
	var op *net.OpError
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.As(err, &op) || isNetTimeout(err)
}

// nothingWritten is what a refusal of op tells its client beyond the refusal: that a write
// changed nothing (a read has nothing to say).
func nothingWritten(op string) string {
	if readOnly(op) {
		return ""
	}
	return ". Nothing was written"
}

// notSent reports whether err is a failure to connect, before any command was written, or a
// command the Breaker refused.
func notSent(err error) bool {
	var op *net.OpError
	return errors.Is(err, ErrNotAnswering) || (errors.As(err, &op) && op.Op == "dial") || handshakeFailed(err)
}

// handshakeFailed reports a TLS handshake with Redis that failed as the connection was made
// (a certificate that does not verify, a peer that does not speak TLS): crypto/tls returns
// those from the dial as they are, not as a net.OpError, and their text names the hosts and
// addresses of the certificate, so without this they reached every client as a 500 quoting
// it. An alert read later on an open connection is a net.OpError, and is replyLost.
func handshakeFailed(err error) bool {
	var (
		op   *net.OpError
		rerr goredis.Error
	)
	return !errors.As(err, &op) && !errors.As(err, &rerr) && netclass.TLS(err)
}

// readOnly reports the operations that change nothing, so that a timeout is safe to retry.
func readOnly(op string) bool {
	switch op {
	// Every name the store reads under (the request metric's operation label): a name
	// missing here made a broken connection under that read a 500 "outcome unknown".
	case "get", "list", "watch", "watchList", "watchCatchUp", "watchProgress", "watchRead", "watchWait", "getCurrentResourceVersion", "keyForUniqueValue":
		return true
	}
	return false
}
