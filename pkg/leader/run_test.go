package leader

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

// leaseServer is a fake cluster whose Lease updates can be made to fail, and which checks that
// the Lease is never released while a term's lead function runs.
type leaseServer struct {
	*fake.Clientset
	failing  atomic.Bool
	leading  atomic.Int32 // lead functions running
	released atomic.Int32
	errs     chan error
}

func newLeaseServer() *leaseServer {
	s := &leaseServer{Clientset: fake.NewClientset(), errs: make(chan error, 100)}
	s.PrependReactor("update", "leases", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if s.failing.Load() {
			return true, nil, errors.New("apiserver unreachable")
		}
		if ptr.Deref(a.(k8stesting.UpdateAction).GetObject().(*coordinationv1.Lease).Spec.HolderIdentity, "") == "" {
			s.released.Add(1)
			if n := s.leading.Load(); n != 0 {
				s.errs <- errors.New("the Lease was released while lead ran")
			}
		}
		return false, nil, nil
	})
	return s
}

// lead reports each term's context and runs until it is cancelled.
func (s *leaseServer) lead(terms chan<- context.Context) func(context.Context) {
	return func(ctx context.Context) {
		if s.leading.Add(1) != 1 {
			s.errs <- errors.New("two terms overlap")
		}
		terms <- ctx
		<-ctx.Done()
		s.leading.Add(-1)
	}
}

func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(20 * time.Second):
		t.Fatal("timed out waiting for " + what)
		panic("unreachable")
	}
}

// When renewals fail, the term's context is cancelled (its writes stop) and lead returns
// before a new term starts; at shutdown the Lease is released, after lead returned.
func TestRunStopsTheTermWhenRenewalFails(t *testing.T) {
	s := newLeaseServer()
	o := Options{Namespace: "ns", Name: "lease", Identity: "me",
		LeaseDuration: time.Second, RenewDeadline: 200 * time.Millisecond, RetryPeriod: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	terms, done := make(chan context.Context), make(chan error)
	go func() { done <- Run(ctx, s, o, s.lead(terms)) }()

	first := receive(t, terms, "the first term")
	s.failing.Store(true)
	receive(t, first.Done(), "the term's context to end once renewals fail")
	s.failing.Store(false)
	second := receive(t, terms, "a new term once the Lease can be renewed again")
	if second.Err() != nil {
		t.Fatal("the new term started cancelled")
	}
	cancel()
	if err := receive(t, done, "Run to return at shutdown"); err != nil {
		t.Fatal(err)
	}
	if s.released.Load() == 0 {
		t.Error("the Lease was not released at shutdown")
	}
	close(s.errs)
	for err := range s.errs {
		t.Error(err)
	}
}
