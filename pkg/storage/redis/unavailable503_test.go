package redis

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/storage"
)

// TestRegressionUnreachableRedisAnswers503OnEveryPath: with Redis down, the paths that read the
// revision counter or the unique index outside requestError answered a plain error (a 500 of
// unknown cause) instead of 503 with Retry-After: a watch with sendInitialEvents=false and no
// resourceVersion (the WatchList feature gate is on by default), and the O2 id lookup that
// dry-run creates and Admit hooks make (registry/o2ims/kind checkIDFree, Tenancy.Holder).
func TestRegressionUnreachableRedisAnswers503OnEveryPath(t *testing.T) {
	env := newTestEnv(t)
	s := env.newStore(t, withUniqueIndex(&nodeNameIndex))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env.server.Stop()
	check := func(what string, err error) {
		t.Helper()
		if !apierrors.IsServiceUnavailable(err) {
			t.Errorf("%s while Redis is down: %v (%T), want 503 with Retry-After", what, err, err)
		}
	}
	no := false
	_, err := s.Watch(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything, SendInitialEvents: &no})
	check("watch with sendInitialEvents=false", err)
	_, _, err = s.KeyForUniqueValue(ctx, "some-id")
	check("unique value lookup", err)
}
