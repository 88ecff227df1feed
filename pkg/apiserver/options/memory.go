package options

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/klog/v2"
)

// MemoryOptions is --memory-limit: a soft limit on the memory of the Go runtime (the heap,
// stacks and runtime metadata; not the mapped binary). Near the limit the garbage collector
// runs more often instead of letting the heap grow to twice what is live (GOGC=100): RSS
// traded for CPU. The chart sets it from the container's memory limit, so that a netweave
// near its limit collects harder before the kernel kills it. It does not shrink what is live.
type MemoryOptions struct {
	// Limit is the limit as a quantity ("512Mi"); empty keeps the runtime's (GOMEMLIMIT, or
	// none).
	Limit string
}

// AddFlags registers --memory-limit.
func (o *MemoryOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Limit, "memory-limit", o.Limit, "Soft memory limit of the Go runtime (e.g. 512Mi), as GOMEMLIMIT: near it the garbage collector works harder (more CPU) rather than let the heap double. Empty keeps GOMEMLIMIT or no limit. The chart sets it from the container's memory limit.")
}

// Validate reports a limit that is not a quantity of at least minMemoryLimit.
func (o *MemoryOptions) Validate() []error {
	if o.Limit == "" {
		return nil
	}
	if _, err := o.bytes(); err != nil {
		return []error{err}
	}
	return nil
}

// Apply sets the runtime's limit, when one is given.
func (o *MemoryOptions) Apply() error {
	if o.Limit == "" {
		return nil
	}
	n, err := o.bytes()
	if err != nil {
		return err
	}
	previous := debug.SetMemoryLimit(n)
	klog.InfoS("Go memory limit set", "bytes", n, "previous", previous)
	return nil
}

func (o *MemoryOptions) bytes() (int64, error) {
	q, err := resource.ParseQuantity(o.Limit)
	if err != nil {
		return 0, fmt.Errorf("--memory-limit %q: %w", o.Limit, err)
	}
	n, ok := q.AsInt64()
	if !ok || n <= 0 {
		return 0, fmt.Errorf("--memory-limit %q: want a positive number of bytes", o.Limit)
	}
	if n < minMemoryLimit {
		return 0, fmt.Errorf("--memory-limit %q is %d bytes, below the %s an idle netweave holds (a number without a suffix is bytes: write 512Mi, not 512)", o.Limit, n, resource.NewQuantity(minMemoryLimit, resource.BinarySI))
	}
	return n, nil
}

// minMemoryLimit is the least --memory-limit taken: about what an idle netweave's runtime
// holds (docs/performance.md). Below it the collector would run without pause, for nothing,
// as it does for "--memory-limit=512" meant as MiB.
const minMemoryLimit = 32 << 20
