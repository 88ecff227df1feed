package retention

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// configName is the name of the AlarmServiceConfiguration singleton.
const configName = "default"

// day is the unit of retentionPeriod.
const day = 24 * time.Hour

// syncRetention ensures the configuration exists and purges every record whose retention
// period has passed. It returns how long until the next purgeable record expires (0: none is
// waiting); records that become purgeable later time their own pass (recordEvent).
func (c *Controller) syncRetention(ctx context.Context) (time.Duration, error) {
	period, err := c.ensureConfig(ctx)
	if err != nil {
		return 0, err
	}
	records, err := c.records.List(labels.Everything())
	if err != nil {
		return 0, fmt.Errorf("list alarm records: %w", err)
	}
	now := c.cfg.Clock.Now()
	expired := func(r *v1alpha1.AlarmEventRecord) bool {
		return purgeable(r) && !r.Status.AlarmClearedTime.Add(period).After(now)
	}
	var next time.Duration
	var errs []error
	purged := 0
	for _, r := range records {
		if !purgeable(r) {
			continue
		}
		if left := r.Status.AlarmClearedTime.Add(period).Sub(now); left > 0 {
			if next == 0 || left < next {
				next = left
			}
			continue
		}
		deleted, err := c.remove(ctx, r, expired)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if deleted {
			purged++
			c.cfg.Metrics.purged(reasonRetention)
		}
	}
	if purged > 0 {
		klog.InfoS("Purged alarm records past their retention period", "count", purged, "retentionPeriodDays", int64(period/day))
	}
	return next, errors.Join(errs...)
}

// period is the retention period the configuration sets.
func (c *Controller) period() (time.Duration, error) {
	cfg, err := c.configs.Get(configName)
	if err != nil {
		return 0, err
	}
	return periodOf(cfg), nil
}

func periodOf(cfg *v1alpha1.AlarmServiceConfiguration) time.Duration {
	days := v1alpha1.DefaultAlarmRetentionDays
	if p := cfg.Spec.RetentionPeriod; p != nil && *p >= 1 {
		days = *p
	}
	if int64(days) > maxRetentionDays {
		// Past what a time.Duration holds (about 292 years) the product would wrap negative
		// and purge everything at once; a period that long means for ever.
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(days) * day
}

// maxRetentionDays is the longest period in days a time.Duration holds.
const maxRetentionDays = math.MaxInt64 / int64(day)

// ensureConfig returns the configured retention period, creating the configuration with the
// default period when there is none. An operator's configuration is never written.
func (c *Controller) ensureConfig(ctx context.Context) (time.Duration, error) {
	period, err := c.period()
	if !apierrors.IsNotFound(err) {
		return period, err
	}
	days := v1alpha1.DefaultAlarmRetentionDays
	want := &v1alpha1.AlarmServiceConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: configName},
		Spec:       v1alpha1.AlarmServiceConfigurationSpec{RetentionPeriod: &days},
	}
	client := c.client.O2imsV1alpha1().AlarmServiceConfigurations()
	created, err := client.Create(ctx, want, metav1.CreateOptions{FieldManager: c.cfg.FieldManager})
	if apierrors.IsAlreadyExists(err) {
		// The cache is behind: someone (an operator, our previous term) created it.
		created, err = client.Get(ctx, configName, metav1.GetOptions{})
	} else if err == nil {
		klog.InfoS("Created the alarm service configuration", "retentionPeriodDays", days)
	}
	if err != nil {
		return 0, fmt.Errorf("ensure alarm service configuration %q: %w", configName, err)
	}
	return periodOf(created), nil
}
