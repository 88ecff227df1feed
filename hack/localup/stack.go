package main

import "errors"

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
