package redis

import (
	"fmt"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// NewWriteClient returns a client of c's Redis (the same address or Sentinel, TLS and
// credentials) that sends each command once: go-redis's default sends a command again, up to
// three times, when its connection broke or its reply timed out, also after Redis ran it. For
// the store's writes that second run meets the first one's result: a create answered that the
// object exists, a delete that it does not, and an update, finding the revision moved, was
// applied a second time on top of the first (TestWriteWhoseReplyIsLostIsNotSentAgain). Sent
// once, a write whose reply is lost fails with its outcome unknown, as with etcd, and the
// caller reads before it tries again.
//
// c must be a *goredis.Client (what NewUniversalClient returns for one server and for
// Sentinel). The hooks added to c (the Breaker) are not copied; close the client when done.
func NewWriteClient(c goredis.UniversalClient) (*goredis.Client, error) {
	cl, ok := c.(*goredis.Client)
	if !ok {
		return nil, fmt.Errorf("redis storage: no write client can be made from a %T", c)
	}
	o := *cl.Options()
	o.MaxRetries = -1
	// A config of its own, not c's: go-redis resolves c's "auto" maintenance-notification mode
	// by writing to c's config as c's connections open, and NewClient copies the config it is
	// given, so copying c's would race with c (TestRegressionWriteClientSharesNoConfig).
	// Maintenance notifications are a Redis Enterprise and Cloud feature that the open-source
	// Redis and Sentinel netweave supports do not offer.
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return goredis.NewClient(&o), nil
}
