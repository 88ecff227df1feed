package apiserver

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/alertmanager"
)

// errNotAlarmLeader refuses alerts on a replica that does not lead the alarms: the webhook
// answers 500 and Alertmanager sends them again (to whichever replica the Service picks), and
// the leader's resync catches anything that still never arrives.
var errNotAlarmLeader = errors.New("this replica does not record alarms now (it does not hold the inventory lease); retry")

// alarmIntake is how the Alertmanager webhook, served on every replica, reaches the recorder and
// the resolver of the current leadership term, which exist only while this replica leads.
type alarmIntake struct {
	mu       sync.RWMutex
	sink     alarms.Sink
	resolver alertmanager.Resolver
}

var (
	_ alarms.Sink           = (*alarmIntake)(nil)
	_ alertmanager.Resolver = (*alarmIntake)(nil)
)

// lead connects the intake to a term's recorder and resolver until the returned function is
// called.
func (a *alarmIntake) lead(sink alarms.Sink, resolver alertmanager.Resolver) (release func()) {
	a.mu.Lock()
	a.sink, a.resolver = sink, resolver
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		a.sink, a.resolver = nil, nil
		a.mu.Unlock()
	}
}

func (a *alarmIntake) current() (alarms.Sink, alertmanager.Resolver, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.sink == nil {
		return nil, nil, errNotAlarmLeader
	}
	return a.sink, a.resolver, nil
}

func (a *alarmIntake) Observe(ctx context.Context, o alarms.Observation) error {
	sink, _, err := a.current()
	if err != nil {
		return err
	}
	return sink.Observe(ctx, o)
}

func (a *alarmIntake) Sync(ctx context.Context, source string, active []alarms.Observation, asOf time.Time) error {
	sink, _, err := a.current()
	if err != nil {
		return err
	}
	return sink.Sync(ctx, source, active, asOf)
}

func (a *alarmIntake) Resolve(ctx context.Context, labels map[string]string) (alarms.ObjectRef, error) {
	_, resolver, err := a.current()
	if err != nil {
		return alarms.ObjectRef{}, err
	}
	return resolver.Resolve(ctx, labels)
}
