package main

import (
	"errors"
	"fmt"

	"github.com/netweave-io/netweave/test/e2e/framework"
)

// stopper is anything the launcher started and must stop on exit.
type stopper interface {
	Stop() error
}

// stack stops what was started in reverse order, so netweave goes before kube-apiserver and
// kube-apiserver before etcd and Redis, each shutting down against live dependencies.
type stack struct {
	items []stopper
}

func (s *stack) push(x stopper) { s.items = append(s.items, x) }

func (s *stack) stopAll() error {
	var errs []error
	for i := len(s.items) - 1; i >= 0; i-- {
		if err := s.items[i].Stop(); err != nil {
			errs = append(errs, err)
		}
	}
	s.items = nil
	return errors.Join(errs...)
}

func errorsJoinStop(err error, p *framework.Process) error {
	if stopErr := p.Stop(); stopErr != nil {
		return errors.Join(err, fmt.Errorf("stop %s: %w", p.Name(), stopErr))
	}
	return err
}
