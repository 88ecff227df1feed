package query

// tree is a set of attribute paths: a key mapped to nil stands for the
// whole attribute, a key mapped to a subtree for some of its
// sub-attributes. Whole always wins over partial, in both directions of
// add, so the tree is the same whatever order paths arrive in.
type tree map[string]tree

func (t tree) add(p Path) {
	cur := t
	for i, seg := range p {
		sub, ok := cur[seg]
		if ok && sub == nil {
			return // the whole attribute is already in the set
		}
		if i == len(p)-1 {
			cur[seg] = nil
			return
		}
		if !ok {
			sub = tree{}
			cur[seg] = sub
		}
		cur = sub
	}
}

// Apply returns obj with only the selected attributes. When nothing would
// be removed it returns obj itself, so the common path allocates nothing;
// otherwise it returns a new map that shares the kept values with obj.
// Neither obj nor anything below it is ever modified.
func (s Selector) Apply(obj map[string]any) map[string]any {
	switch s.mode {
	case selectInclude:
		return keep(obj, s.paths)
	case selectExclude:
		return drop(obj, s.paths)
	}
	return obj
}

func keep(obj map[string]any, t tree) map[string]any {
	if !keepRemoves(obj, t) {
		return obj
	}
	out := make(map[string]any, min(len(t), len(obj)))
	for k, sub := range t {
		v, ok := obj[k]
		if !ok {
			continue
		}
		if sub != nil {
			m, isMap := v.(map[string]any)
			if !isMap {
				continue // a sub-path of a non-object selects nothing
			}
			v = keep(m, sub)
		}
		out[k] = v
	}
	return out
}

// keepRemoves reports whether keep would drop anything, without allocating.
func keepRemoves(obj map[string]any, t tree) bool {
	kept := 0
	for k, sub := range t {
		v, ok := obj[k]
		if !ok {
			continue
		}
		kept++
		if sub != nil {
			m, isMap := v.(map[string]any)
			if !isMap || keepRemoves(m, sub) {
				return true
			}
		}
	}
	return kept < len(obj)
}

func drop(obj map[string]any, t tree) map[string]any {
	if !dropRemoves(obj, t) {
		return obj
	}
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		sub, ok := t[k]
		switch {
		case !ok:
			out[k] = v
		case sub == nil:
			// excluded whole
		default:
			if m, isMap := v.(map[string]any); isMap {
				v = drop(m, sub)
			}
			out[k] = v
		}
	}
	return out
}

// dropRemoves reports whether drop would remove anything, without allocating.
func dropRemoves(obj map[string]any, t tree) bool {
	for k, sub := range t {
		v, ok := obj[k]
		if !ok {
			continue
		}
		if sub == nil {
			return true
		}
		if m, isMap := v.(map[string]any); isMap && dropRemoves(m, sub) {
			return true
		}
	}
	return false
}
