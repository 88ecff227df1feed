package retention

import (
	"context"
	"testing"
	"time"
)

// An operator who wants to keep alarm history (practically) forever sets a large
// retentionPeriod. The API accepts any int32 >= 1 day (apis/o2ims/validation/alarms.go, O2
// decodeServiceConfiguration); but periodOf multiplies the days into a time.Duration, which
// overflows past 106751 days and wraps negative for e.g. 999999 days: every cleared and
// acknowledged alarm, cleared a minute ago, is then "past its retention" and deleted at once.
func TestRegressionHugeRetentionPeriodKeepsAlarms(t *testing.T) {
	for _, days := range []int32{106752, 200000, 999999} {
		f := newFixture(t, config(days), record(tenantNS, idRecent, time.Minute, true))
		f.refresh()
		if _, err := f.c.syncRetention(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !f.exists(tenantNS, idRecent) {
			t.Errorf("retentionPeriod %d days: an alarm cleared a minute ago was purged", days)
		}
	}
}
