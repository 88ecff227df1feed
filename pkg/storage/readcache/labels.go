package readcache

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// Cached objects with equal labels share one label map. A small Go map costs a whole group of
// eight slots (~300 bytes for one label), and objects of one kind mostly carry the same few
// labels (the inventory sync's managed-by and cluster labels, a pool's label on its
// Resources). The cache hands out deep copies (Get, GetList) and, to the in-process
// informers, its own objects, which no reader may modify (client-go's rule, and the shared
// reads' already): a shared map is then indistinguishable from one per object.

// internLabels makes obj, the cache's own, share the label map the cache already holds for
// its labels, and counts it.
func internLabels(t *shareTable[map[string]string], obj runtime.Object) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if labels := m.GetLabels(); len(labels) > 0 {
		m.SetLabels(t.intern(labels))
	}
	return nil
}

// releaseLabels forgets the labels of obj, a cached object internLabels recorded.
func releaseLabels(t *shareTable[map[string]string], obj runtime.Object) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if labels := m.GetLabels(); len(labels) > 0 {
		t.release(labels)
	}
	return nil
}
