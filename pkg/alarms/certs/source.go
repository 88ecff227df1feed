// Package certs is the alarm source of expiring certificates: the TLS Secrets the operator names
// (or selects by label) raise CERTIFICATE_EXPIRATION as their certificate nears expiry, and clear
// it once renewed.
//
// The alarm is about the O-Cloud as a whole (Config.Object, the OCloud in netweave's wiring):
// the Secrets hold the certificates of cluster services, which belong to no one O-Cloud Node, so
// the definitions are the node cluster's (CLUSTER_WARNING, CLUSTER_CRITICAL) while the cause is
// the spec's CERTIFICATE_EXPIRATION.
package certs

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/netweave-io/netweave/pkg/alarms"
	"github.com/netweave-io/netweave/pkg/alarms/sourceloop"
	"github.com/netweave-io/netweave/pkg/alarms/sourcemetrics"
	"github.com/netweave-io/netweave/pkg/firstlist"
)

// Name is the Observation.Source of certificate alarms.
const Name = "certificates"

// evaluateKey queues the evaluation of every watched certificate; there are few, and the clock
// moves them all, so they are always evaluated together.
const evaluateKey = "evaluate"

// Config configures the source.
type Config struct {
	Client kubernetes.Interface
	// Secrets are watched one by one (a namespaced informer with a name field selector each),
	// so netweave neither lists nor caches any other Secret.
	Secrets []types.NamespacedName
	// Selector, when not nil, selects more Secrets by label in SelectorNamespace; only
	// matching Secrets are sent by the server. Without a SelectorNamespace it selects nothing
	// (Options.Validate refuses that): never every namespace's Secrets.
	Selector          labels.Selector
	SelectorNamespace string
	// Object is what the alarms are about.
	Object        alarms.ObjectRef
	Windows       Windows
	CheckInterval time.Duration
	// Clock is what expiry is measured against; the real clock when nil.
	Clock clock.WithTicker
	// Metrics, when not nil, count reports and unreadable Secrets.
	Metrics *sourcemetrics.Metrics
}

// Source reports expiring certificates as alarms.
type Source struct {
	cfg Config
	// running is the loop of the current run, for Restate.
	running sourceloop.Running
}

var _ alarms.Source = (*Source)(nil)

// New returns the source.
func New(cfg Config) *Source {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	return &Source{cfg: cfg}
}

// Name implements alarms.Source.
func (s *Source) Name() string { return Name }

// Restate implements alarms.Source.
func (s *Source) Restate() { s.running.Restate() }

// Run watches the Secrets and evaluates every certificate on each change and every
// CheckInterval, until ctx is done.
func (s *Source) Run(ctx context.Context, sink alarms.Sink) error {
	defer utilruntime.HandleCrash()
	r := &run{Source: s, sink: s.cfg.Metrics.Instrument(sink), loop: sourceloop.New(Name, evaluateKey), invalid: map[types.UID]string{}, raised: map[types.UID]bool{}}
	defer s.running.Set(r.loop)()
	evaluate := func(any) { r.loop.Add(evaluateKey) }
	handler := cache.ResourceEventHandlerFuncs{AddFunc: evaluate, UpdateFunc: func(_, obj any) { evaluate(obj) }, DeleteFunc: evaluate}
	var firsts []*firstlist.Watch
	for _, w := range s.watches() {
		if _, err := w.informer.AddEventHandler(handler); err != nil {
			return fmt.Errorf("watch secrets %s: %w", w.what, err)
		}
		first, err := firstlist.Track(w.informer, func(ctx context.Context, err error) {
			klog.FromContext(ctx).Error(err, "Cannot read Secrets whose certificates raise alarms; the others are reported, and "+
				"no certificate alarm is cleared, until they can be read (RBAC: get, list and watch on Secrets there)",
				"source", Name, "secrets", w.what)
		})
		if err != nil {
			return fmt.Errorf("watch secrets %s: %w", w.what, err)
		}
		w.first = first
		firsts = append(firsts, first)
		r.watches = append(r.watches, w)
		go w.informer.RunWithContext(ctx)
	}
	// A Secret netweave cannot read (a flag naming one outside its RBAC) holds back none of the
	// others' alarms: each watch is waited for until it is read or its first list failed.
	if err := firstlist.Wait(ctx, firsts...); err != nil {
		return fmt.Errorf("wait for the secret caches: %w", err)
	}
	// Each watch not read yet is evaluated again once it is: the complete set waits for it,
	// and its informer's events may come before it counts as read.
	var readers sync.WaitGroup
	defer readers.Wait()
	for _, first := range firsts {
		if !first.Read() {
			readers.Go(func() { first.WhenRead(ctx, func() { r.loop.Add(evaluateKey) }) })
		}
	}
	klog.FromContext(ctx).Info("Reporting expiring certificates as alarms", "source", Name, "secrets", len(s.cfg.Secrets), "selector", s.cfg.Selector)
	r.loop.Run(ctx, s.cfg.Clock, s.cfg.CheckInterval, r.evaluate)
	return nil
}

// watch is one informer and the Secrets of its store that count.
type watch struct {
	what string
	// covers is the one Secret the watch names, or, Name empty, the namespace whose selected
	// Secrets it lists: once read, a Secret there that it does not list is not one of its.
	covers   types.NamespacedName
	informer cache.SharedIndexInformer
	// first follows the informer's first list: until it is read, what its store lacks may exist.
	first *firstlist.Watch
	// secrets lists the watched Secrets from the store.
	secrets func() []*corev1.Secret
}

func (s *Source) watches() []watch {
	var out []watch
	for _, nn := range s.cfg.Secrets {
		inf := coreinformers.NewFilteredSecretInformer(s.cfg.Client, nn.Namespace, 0, cache.Indexers{}, func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", nn.Name).String()
		})
		out = append(out, watch{what: nn.String(), covers: nn, informer: inf, secrets: func() []*corev1.Secret {
			obj, ok, _ := inf.GetStore().GetByKey(nn.String())
			if secret, isSecret := obj.(*corev1.Secret); ok && isSecret {
				return []*corev1.Secret{secret}
			}
			return nil
		}})
	}
	if sel := s.cfg.Selector; sel != nil && s.cfg.SelectorNamespace != "" {
		inf := coreinformers.NewFilteredSecretInformer(s.cfg.Client, s.cfg.SelectorNamespace, 0, cache.Indexers{}, func(o *metav1.ListOptions) {
			o.LabelSelector = sel.String()
		})
		out = append(out, watch{what: sel.String(), covers: types.NamespacedName{Namespace: s.cfg.SelectorNamespace}, informer: inf, secrets: func() []*corev1.Secret {
			var secrets []*corev1.Secret
			for _, obj := range inf.GetStore().List() {
				if secret, ok := obj.(*corev1.Secret); ok && sel.Matches(labels.Set(secret.Labels)) {
					secrets = append(secrets, secret)
				}
			}
			return secrets
		}})
	}
	return out
}

// run is the state of one Run; only its single loop goroutine touches invalid.
type run struct {
	*Source
	sink    alarms.Sink
	loop    *sourceloop.Loop
	watches []watch
	// invalid is the resourceVersion of each unreadable Secret already logged, so a broken
	// Secret is logged and counted once per version, not at every check.
	invalid map[types.UID]string
	// raised is the Secrets whose alarm this run reported active at its last check: while a
	// watch is unread the complete set is not stated, and these are the alarms it can clear
	// one by one when their Secret goes.
	raised map[types.UID]bool
}

// evaluate reports every watched certificate and then states the expiring ones as the complete
// active set, which clears the alarms of Secrets deleted or no longer readable.
func (r *run) evaluate(ctx context.Context, _ string) error {
	now := r.cfg.Clock.Now()
	seen := map[types.UID]bool{}
	active := []alarms.Observation{}
	invalid := map[types.UID]string{}
	// reported is the Secrets whose alarm this check raised or cleared (Observe).
	reported := map[types.UID]bool{}
	// read is whether each watch was read before its Secrets were listed: one read meanwhile
	// may have had only part of its first list in its store then, and what it lacked is not
	// known absent.
	read := make([]bool, len(r.watches))
	allRead := true
	for i, w := range r.watches {
		read[i] = w.first.Read()
		allRead = allRead && read[i]
	}
	for _, w := range r.watches {
		for _, secret := range w.secrets() {
			if seen[secret.UID] {
				continue
			}
			seen[secret.UID] = true
			cert, err := earliest(secret)
			if err != nil {
				invalid[secret.UID] = secret.ResourceVersion
				if logged, ok := r.invalid[secret.UID]; !ok || logged != secret.ResourceVersion {
					klog.FromContext(ctx).Error(err, "Secret holds no readable certificate; it raises no alarm", "secret", klog.KObj(secret))
					r.cfg.Metrics.InvalidObject(Name)
					r.invalid[secret.UID] = secret.ResourceVersion
				}
				continue
			}
			o := observation(secret, cert, r.cfg.Object, r.cfg.Windows, now)
			if err := r.sink.Observe(ctx, o); err != nil {
				return fmt.Errorf("report certificate of secret %s: %w", klog.KObj(secret), err)
			}
			reported[secret.UID] = true
			if o.Active {
				active = append(active, o)
			}
		}
	}
	r.invalid = invalid
	raised := make(map[types.UID]bool, len(active))
	for _, o := range active {
		raised[types.UID(o.Key)] = true
	}
	if !allRead {
		// The alarms of Secrets not read yet are not among active, and stating it as the
		// complete set would clear them: the set is stated once every watch is read. That may
		// be never (a flag naming a Secret outside netweave's RBAC), so meanwhile the set is
		// stated for the Secrets the watches read cover, which clears the alarm of one deleted,
		// deselected or renewed into garbage there, a previous leader's too; and the alarms
		// this run raised and no longer sees active are cleared one by one.
		if err := r.sink.SyncScope(ctx, Name, active, now, r.covered(read)); err != nil {
			return fmt.Errorf("restate the certificate alarms of the Secrets read: %w", err)
		}
		return r.clearGone(ctx, reported, raised, now)
	}
	if err := r.sink.Sync(ctx, Name, active, now); err != nil {
		return fmt.Errorf("restate certificate alarms: %w", err)
	}
	r.raised = raised
	return nil
}

// covered is the scope of the watches read (read[i] for r.watches[i]): the alarms of the
// Secrets they name, and of the Secrets in the namespace of a selector read, but never of a
// Secret a watch not read names (the selector does not list it when it is not labelled). An
// alarm is matched by the Secret its extensions name; one without is outside.
func (r *run) covered(read []bool) alarms.Scope {
	named, namespaces, unread := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, w := range r.watches {
		switch {
		case !read[i] && w.covers.Name != "":
			unread[w.covers.String()] = true
		case !read[i]:
			// An unread selector covers nothing; the Secrets named there are their own watches'.
		case w.covers.Name != "":
			named[w.covers.String()] = true
		default:
			namespaces[w.covers.Namespace] = true
		}
	}
	return func(_ string, extensions map[string]string) bool {
		secret := extensions[extensionSecret]
		namespace, _, ok := strings.Cut(secret, "/")
		if !ok || unread[secret] {
			return false
		}
		return named[secret] || namespaces[namespace]
	}
}

// clearGone clears the alarm of each Secret this run last reported active that this check did
// not report (reported: its Observe raised or cleared it already), and then records raised as
// what the run reported active. An alarm a previous leader raised for a Secret gone since is
// not known here: the scoped set clears it when a watch read covers the Secret, and otherwise
// only the complete set, once every watch is read.
func (r *run) clearGone(ctx context.Context, reported, raised map[types.UID]bool, now time.Time) error {
	for uid := range r.raised {
		if reported[uid] {
			continue
		}
		gone := alarms.Observation{Source: Name, Key: string(uid), Object: r.cfg.Object, Since: now}
		if err := r.sink.Observe(ctx, gone); err != nil {
			// Kept in r.raised: the next check tries again.
			return fmt.Errorf("clear the certificate alarm of a Secret no longer seen: %w", err)
		}
		delete(r.raised, uid)
	}
	r.raised = raised
	return nil
}
