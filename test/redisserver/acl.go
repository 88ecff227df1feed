package redisserver

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// DocumentedACLPrefix is the --redis-key-prefix the ACL of docs/redis.md is written for.
const DocumentedACLPrefix = "netweave"

// DocumentedACLClient creates on s the least-privilege user docs/redis.md gives operators (its
// "ACL SETUSER" block, as written there) and returns a client of that user, so that what the
// document promises is what the tests run with: a command netweave needs and the document
// leaves out fails them. The user's keys are those of DocumentedACLPrefix.
func (s *Server) DocumentedACLClient(tb testing.TB) *goredis.Client {
	tb.Helper()
	user := s.applyDocumentedACL(tb, DocumentedACLPrefix, "test-password-not-secret")
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr(), Username: user, Password: "test-password-not-secret"})
	// A refusal may be retried and never surface (a watch reader that waits and reads again):
	// every one is counted, and any fails the test.
	refused := &refusals{}
	c.AddHook(refused)
	tb.Cleanup(func() {
		_ = c.Close()
		if first := refused.first.Load(); first != nil {
			tb.Errorf("the user of docs/redis.md was refused a command netweave sends: %v", *first)
		}
	})
	return c
}

// refusals records the first NOPERM answer a client got.
type refusals struct {
	first atomic.Pointer[string]
}

func (r *refusals) note(err error) {
	if err != nil && strings.Contains(err.Error(), "NOPERM") {
		msg := err.Error()
		r.first.CompareAndSwap(nil, &msg)
	}
}

func (r *refusals) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (r *refusals) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		r.note(err)
		return err
	}
}

func (r *refusals) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			r.note(c.Err())
		}
		return err
	}
}

// DocumentedSentinelUser is the Sentinel ACL user docs/redis.md gives operators.
const DocumentedSentinelUser = "netweave-sentinel"

// SentinelAdminPassword is the password DocumentedSentinelACL gives a Sentinel's default user.
const SentinelAdminPassword = "sentinel-admin-not-secret"

// DocumentedSentinelACL creates on the Sentinel s the user docs/redis.md gives operators for
// netweave's Sentinel connections (its "ACL SETUSER netweave-sentinel" block, as written there)
// with password, and returns the user. The Sentinel's default user then needs
// SentinelAdminPassword, as a production Sentinel's would need one of its own: nothing gets in
// on no credentials or on the data nodes'. When the test ends it fails the test on any command
// the Sentinel refused (its ACL LOG), so that what the document promises is what netweave's
// client needs: go-redis moves on to another Sentinel when one refuses, and would hide it.
func (s *Server) DocumentedSentinelACL(tb testing.TB, password string) string {
	tb.Helper()
	user := s.applyDocumentedACL(tb, DocumentedSentinelUser, password)
	s.RequireAdminPassword(tb)
	tb.Cleanup(func() {
		admin := goredis.NewClient(&goredis.Options{Addr: s.Addr(), Password: SentinelAdminPassword})
		defer admin.Close()
		entries, err := admin.Do(context.Background(), "ACL", "LOG").Slice()
		if err != nil {
			tb.Errorf("reading the Sentinel's ACL LOG: %v", err)
			return
		}
		for _, e := range entries {
			// Failed logins are the test's own (it shows what a client without the
			// Sentinel's credentials meets); a refused command is the document's gap.
			if fields, ok := e.(map[any]any); ok && fields["reason"] == "auth" {
				continue
			}
			tb.Errorf("the Sentinel refused a command to the user of docs/redis.md: %v", e)
		}
	})
	return user
}

// applyDocumentedACL runs on s, as its open default user, the ACL SETUSER block of
// docs/redis.md for user with password, and returns the user it sets up.
func (s *Server) applyDocumentedACL(tb testing.TB, user, password string) string {
	tb.Helper()
	args, user, err := documentedACL(user, password)
	if err != nil {
		tb.Fatal(err)
	}
	open := goredis.NewClient(&goredis.Options{Addr: s.Addr()})
	defer open.Close()
	if err := open.Do(context.Background(), args...).Err(); err != nil {
		tb.Fatalf("applying the ACL of docs/redis.md for %s: %v", user, err)
	}
	return user
}

// RequireAdminPassword gives s's default user SentinelAdminPassword (a Sentinel's, or a
// server's, password of its own): from then on only clients with it, or with a user's
// credentials, get in.
func (s *Server) RequireAdminPassword(tb testing.TB) {
	tb.Helper()
	open := goredis.NewClient(&goredis.Options{Addr: s.Addr()})
	defer open.Close()
	if err := open.Do(context.Background(), "ACL", "SETUSER", "default", "resetpass", ">"+SentinelAdminPassword).Err(); err != nil {
		tb.Fatalf("giving the default user of %s a password: %v", s.Addr(), err)
	}
}

// documentedACL reads the ACL SETUSER command of docs/redis.md for user, with PASSWORD
// replaced by password, as the arguments of one command, and the user it sets up.
func documentedACL(user, password string) ([]any, string, error) {
	_, file, _, _ := runtime.Caller(0)
	doc, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "docs", "redis.md"))
	if err != nil {
		return nil, "", err
	}
	text := string(doc)
	start := strings.Index(text, "ACL SETUSER "+user+" ")
	if start < 0 {
		return nil, "", errNoACL
	}
	end := strings.Index(text[start:], "```")
	if end < 0 {
		return nil, "", errNoACL
	}
	command := strings.ReplaceAll(text[start:start+end], "\\\n", " ")
	var args []any
	for _, f := range strings.Fields(command) {
		args = append(args, strings.ReplaceAll(f, "PASSWORD", password))
	}
	if len(args) < 3 {
		return nil, "", errNoACL
	}
	return args, args[2].(string), nil
}

type aclError string

func (e aclError) Error() string { return string(e) }

const errNoACL = aclError("docs/redis.md has no ACL SETUSER block for that user")
