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

// errAlarmsNotSynced refuses alerts at the start of a term, before the caches the recorder and
// the resolver decide on have listed: a resolution would find no alarm to clear and be
// answered 204 (lost for good), a node's alert would be put on the O-Cloud. The webhook answers
// 500 and Alertmanager sends the alerts again. /readyz keeps such a replica out of the Service,
// but not a webhook pointed at a pod, a port-forward, or a Service publishing not-ready pods.
var errAlarmsNotSynced = errors.New("this replica's alarm caches have not synced, or its alarm dictionaries are not known, yet; retry")

// alarmIntake is how the Alertmanager webhook, served on every replica, reaches the recorder and
// the resolver of the current leadership term, which exist only while this replica leads.
type alarmIntake struct {
	mu       sync.RWMutex
	term     context.Context
	sink     alarms.Sink
	resolver alertmanager.Resolver
	// synced reports whether the term's caches (alarm records, dictionaries, Resources, Nodes)
	// have listed and its alarm dictionaries are known (alarmsRun.dictionariesKnown).
	synced func() bool
	// calls counts the calls in flight through the term's sink or resolver.
	calls sync.WaitGroup
}

var (
	_ alarms.Sink           = (*alarmIntake)(nil)
	_ alertmanager.Resolver = (*alarmIntake)(nil)
)

// lead connects the intake to a term's recorder and resolver until the returned function is
// called, which waits for the calls in flight. term is the term's context: the webhook's
// writes end with it, like every other write of the term (see pkg/leader on fencing). Calls
// are refused until synced reports the term's caches listed.
func (a *alarmIntake) lead(term context.Context, sink alarms.Sink, resolver alertmanager.Resolver, synced func() bool) (release func()) {
	a.mu.Lock()
	a.term, a.sink, a.resolver, a.synced = term, sink, resolver, synced
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		a.term, a.sink, a.resolver, a.synced = nil, nil, nil, nil
		a.mu.Unlock()
		a.calls.Wait()
	}
}

// termCall is one webhook call through the current term.
type termCall struct {
	ctx      context.Context // the request's, ended with the term too
	sink     alarms.Sink
	resolver alertmanager.Resolver
	end      func()
}

// enter starts a call through the current term; its end must be called.
func (a *alarmIntake) enter(ctx context.Context) (termCall, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	// A term that ended is not released until its alarm side returned; meanwhile its context
	// is done, but a call's context is cancelled with it only from another goroutine
	// (context.AfterFunc), possibly after the call sent a write the term no longer covers.
	if a.sink == nil || a.term.Err() != nil {
		return termCall{}, errNotAlarmLeader
	}
	if !a.synced() {
		return termCall{}, errAlarmsNotSynced
	}
	a.calls.Add(1)
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(a.term, cancel)
	return termCall{ctx: ctx, sink: a.sink, resolver: a.resolver, end: func() {
		stop()
		cancel()
		a.calls.Done()
	}}, nil
}

func (a *alarmIntake) Observe(ctx context.Context, o alarms.Observation) error {
	c, err := a.enter(ctx)
	if err != nil {
		return err
	}
	defer c.end()
	return c.sink.Observe(c.ctx, o)
}

func (a *alarmIntake) Sync(ctx context.Context, source string, active []alarms.Observation, asOf time.Time) error {
	c, err := a.enter(ctx)
	if err != nil {
		return err
	}
	defer c.end()
	return c.sink.Sync(c.ctx, source, active, asOf)
}

func (a *alarmIntake) SyncScope(ctx context.Context, source string, active []alarms.Observation, asOf time.Time, scope alarms.Scope) error {
	c, err := a.enter(ctx)
	if err != nil {
		return err
	}
	defer c.end()
	return c.sink.SyncScope(c.ctx, source, active, asOf, scope)
}

func (a *alarmIntake) Resolve(ctx context.Context, labels map[string]string) (alarms.ObjectRef, error) {
	c, err := a.enter(ctx)
	if err != nil {
		return alarms.ObjectRef{}, err
	}
	defer c.end()
	return c.resolver.Resolve(c.ctx, labels)
}
