package helmrelease

import (
	"maps"
	"slices"

	chart "helm.sh/helm/v4/pkg/chart/v2"
)

// Copy returns f with a copy of its chart that Helm may change: an install or upgrade edits
// the chart it is given for the values given (it drops the subcharts the values disable and
// merges imported values into the parent), so a chart kept for more than one release (the
// controller's chart cache) must hand each a copy. File contents are shared: Helm only reads
// them.
func (f *Fetched) Copy() *Fetched {
	out := *f
	out.Chart = copyChart(f.Chart)
	return &out
}

func copyChart(ch *chart.Chart) *chart.Chart {
	if ch == nil {
		return nil
	}
	out := *ch
	if ch.Metadata != nil {
		md := *ch.Metadata
		md.Dependencies = make([]*chart.Dependency, len(ch.Metadata.Dependencies))
		for i, d := range ch.Metadata.Dependencies {
			if d == nil {
				continue
			}
			dc := *d
			dc.Tags = slices.Clone(d.Tags)
			dc.ImportValues, _ = copyValue(d.ImportValues).([]any)
			md.Dependencies[i] = &dc
		}
		md.Keywords, md.Sources = slices.Clone(md.Keywords), slices.Clone(md.Sources)
		md.Annotations = maps.Clone(md.Annotations)
		out.Metadata = &md
	}
	out.Values, _ = copyValue(ch.Values).(map[string]any)
	out.Raw, out.Templates, out.Files = slices.Clone(ch.Raw), slices.Clone(ch.Templates), slices.Clone(ch.Files)
	deps := make([]*chart.Chart, 0, len(ch.Dependencies()))
	for _, d := range ch.Dependencies() {
		deps = append(deps, copyChart(d))
	}
	// Sets each copied subchart's parent to out.
	out.SetDependencies(deps...)
	return &out
}

// copyValue deep-copies a values tree as YAML and JSON decode it (maps, slices, scalars).
func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return v
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = copyValue(e)
		}
		return out
	case []any:
		if v == nil {
			return v
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}
