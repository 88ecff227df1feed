package helmrelease

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	repo "helm.sh/helm/v4/pkg/repo/v1"
	"k8s.io/client-go/discovery"

	"github.com/netweave-io/netweave/pkg/netclass"
)

// A chart's templates are code its descriptor's writer chose: `{{ range until 1000000000 }}`,
// or includes that call themselves twice a thousand levels deep, take whatever CPU and memory
// they like, and Go's template engine can be neither interrupted nor bounded. Rendered inside
// netweave, one tenant's chart would exhaust the process every tenant is served by. So the
// templates are rendered in a child process (netweave's own executable, ServeRenderChild;
// render_pool.go keeps them) with its own bounds on memory, time and output, the template
// `lookup` calls answered by this process through the target's client as Helm would answer
// them; Helm's install or upgrade is then given a copy of the chart whose templates are the
// rendered text, escaped, so its own rendering in this process is a copy of that text
// whatever the templates were.

// RenderLimits bound one rendering of a chart's templates (Config.Render); a zero field takes
// its default (DefaultRenderLimits).
type RenderLimits struct {
	// Memory bounds the rendering process's Go memory (heap, stacks, runtime), in bytes.
	Memory int64
	// Timeout bounds one rendering, lookups included; its CPU time is bounded by the same.
	Timeout time.Duration
	// Output bounds the rendered manifests together, in bytes.
	Output int
	// Lookups bounds the template `lookup` calls of one rendering.
	Lookups int
	// Objects bounds the objects the manifests name (manifestObjects): Helm applies each
	// with requests of its own, and a worker every tenant shares waits for them.
	Objects int
	// Document bounds what parsing one rendered document (or one document of a crds/ file)
	// costs, in bytes Go allocates to parse it as Helm does. Helm parses every document again
	// in netweave's own process, once per worker at a time, outside the rendering's Memory
	// bound: one document of 2 MiB of `[a,a,...]` costs ~250 MiB there, where the largest
	// real documents (the CustomResourceDefinitions of prometheus-operator, ~800 KB) cost 9
	// MiB.
	Document int64
	// Command is the executable that renders: netweave's own (os.Executable) when empty. It
	// must call ServeRenderChild first thing in main.
	Command string `json:"-"`
}

// DefaultRenderLimits are the bounds of a rendering when Config.Render leaves them unset:
// 256 MiB, 60 s, 16 MiB of manifests (half of what a release record may hold), 256 lookups,
// 5,000 objects, 64 MiB to parse one document.
func DefaultRenderLimits() RenderLimits {
	return RenderLimits{Memory: 256 << 20, Timeout: time.Minute, Output: 16 << 20, Lookups: 256, Objects: 5000, Document: 64 << 20}
}

func (l RenderLimits) complete() RenderLimits {
	d := DefaultRenderLimits()
	if l.Memory <= 0 {
		l.Memory = d.Memory
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.Output <= 0 {
		l.Output = d.Output
	}
	if l.Lookups <= 0 {
		l.Lookups = d.Lookups
	}
	if l.Objects <= 0 {
		l.Objects = d.Objects
	}
	if l.Document <= 0 {
		l.Document = d.Document
	}
	return l
}

// ErrRenderBound is returned when a chart's templates went past a bound of their rendering
// (RenderLimits): the chart is at fault, not the target.
var ErrRenderBound = errors.New("the chart's templates went past the bounds of a rendering")

// renderRequest is what the rendering child is asked: Helm's inputs to its template engine,
// or, when Index is set, a chart version's entry of a repository's index (source.go).
type renderRequest struct {
	Chart        chartTree             `json:"chart"`
	Values       map[string]any        `json:"values"`
	Options      common.ReleaseOptions `json:"options"`
	Capabilities *common.Capabilities  `json:"capabilities"`
	Limits       RenderLimits          `json:"limits"`
	Index        *indexRequest         `json:"index,omitempty"`
	// Manifests asks the child to parse a release record's manifests (recordmanifests.go).
	Manifests []string `json:"manifests,omitempty"`
}

// indexRequest asks the child for the entry of chart Name at Version in Raw, a repository's
// index.yaml as it was downloaded.
type indexRequest struct {
	Raw     []byte `json:"raw"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// childTask is a kind of request to the child, as its failures say it.
type childTask struct {
	// what the child does, as an error names it: "rendering".
	what string
	// bound is the error a request past a bound of the child wraps.
	bound error
	// tooLong says the child's answer was longer than this side reads.
	tooLong func(RenderLimits) string
}

var renderTask = childTask{what: "rendering", bound: ErrRenderBound, tooLong: outputTooLarge}

// chartTree is a chart with its subcharts, which a chart's JSON form leaves out.
type chartTree struct {
	Chart        *chart.Chart `json:"chart"`
	Dependencies []chartTree  `json:"dependencies,omitempty"`
}

func treeOf(ch *chart.Chart) chartTree {
	t := chartTree{Chart: ch}
	for _, d := range ch.Dependencies() {
		t.Dependencies = append(t.Dependencies, treeOf(d))
	}
	return t
}

func (t chartTree) chart() *chart.Chart {
	deps := make([]*chart.Chart, 0, len(t.Dependencies))
	for _, d := range t.Dependencies {
		deps = append(deps, d.chart())
	}
	t.Chart.SetDependencies(deps...)
	return t.Chart
}

// childMessage is a line the child writes: a lookup to answer, or its result.
type childMessage struct {
	Lookup   *lookupRequest    `json:"lookup,omitempty"`
	Rendered map[string]string `json:"rendered,omitempty"`
	// Entry is the chart version an index request selected.
	Entry *repo.ChartVersion `json:"entry,omitempty"`
	Error string             `json:"error,omitempty"`
	// Class is the failure class of an index request's Error (ClassBadIndex, ClassNotInIndex).
	Class string `json:"class,omitempty"`
	// Bound says Error is a bound of the rendering (ErrRenderBound), not the templates' own.
	Bound bool `json:"bound,omitempty"`
}

type lookupRequest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
}

// lookupAnswer is this process's answer to a lookup: the object or list as Helm's lookup
// returns it (an empty object for one that does not exist), or the error.
type lookupAnswer struct {
	Object json.RawMessage `json:"object,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// lookupFunc is Helm's template lookup (engine.NewLookupFunction).
type lookupFunc = func(apiVersion, kind, namespace, name string) (map[string]any, error)

// renderedChart renders ch with values as Helm's install or upgrade with opts would, in a
// bounded child process, and returns the copy of ch for Helm to install: its subcharts chosen
// for values (Helm's ProcessDependencies, on ch itself, which Helm runs again on the copy to
// the same result), each
// template the text it rendered to, escaped (Helm renders nothing else of it). Errors of the
// chart's own templates are returned as Helm reports them.
func (e *Engine) renderedChart(ctx context.Context, cfg *action.Configuration, ch *chart.Chart, values map[string]any, opts common.ReleaseOptions) (*chart.Chart, error) {
	caps, err := capabilities(cfg)
	if err != nil {
		return nil, err
	}
	var lookup lookupFunc
	if cfg.RESTClientGetter != nil {
		rc, err := cfg.RESTClientGetter.ToRESTConfig()
		if err != nil {
			return nil, fmt.Errorf("client for template lookups: %w", err)
		}
		lookup = engine.NewLookupFunction(rc)
	}
	// ch is the caller's to give away, as Helm's install and upgrade change the chart they are
	// given (Fetched.Copy): processed in place, as Helm would have.
	if err := chartutil.ProcessDependencies(ch, values); err != nil {
		return nil, err
	}
	rendered, err := e.renderers.render(ctx, renderRequest{
		Chart: treeOf(ch), Values: values, Options: opts, Capabilities: caps,
	}, lookup)
	if err != nil {
		return nil, err
	}
	return withRendered(ch, rendered), nil
}

// capabilities are the target's, as Helm's own getCapabilities reads them, kept in cfg so
// that Helm's rendering after the child's sees the same.
func capabilities(cfg *action.Configuration) (*common.Capabilities, error) {
	if cfg.Capabilities != nil {
		return cfg.Capabilities, nil
	}
	dc, err := cfg.RESTClientGetter.ToDiscoveryClient()
	if err != nil {
		return nil, fmt.Errorf("could not get Kubernetes discovery client: %w", err)
	}
	dc.Invalidate()
	kubeVersion, err := dc.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("could not get server version from Kubernetes: %w", err)
	}
	apiVersions, err := action.GetVersionSet(dc)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, fmt.Errorf("could not get apiVersions from Kubernetes: %w", err)
	}
	cfg.Capabilities = &common.Capabilities{
		APIVersions: apiVersions,
		KubeVersion: common.KubeVersion{Version: kubeVersion.GitVersion, Major: kubeVersion.Major, Minor: kubeVersion.Minor},
		HelmVersion: common.DefaultCapabilities.HelmVersion,
	}
	return cfg.Capabilities, nil
}

// withRendered is a copy of ch whose templates are what they rendered to (rendered, keyed as
// Helm's engine keys them: the chart's full path and the template's name), escaped; partials
// and what did not render are left empty, and the values schema is left out.
func withRendered(ch *chart.Chart, rendered map[string]string) *chart.Chart {
	out := *ch
	// The child checked the values against the chart's schema; the schema is the chart
	// writer's too, and Helm would check them again here, in this process.
	out.Schema = nil
	full := ch.ChartFullPath()
	out.Templates = make([]*common.File, 0, len(ch.Templates))
	for _, t := range ch.Templates {
		if t == nil {
			continue
		}
		f := *t
		f.Data = []byte(escapeTemplate(rendered[path.Join(full, t.Name)]))
		out.Templates = append(out.Templates, &f)
	}
	deps := make([]*chart.Chart, 0, len(ch.Dependencies()))
	for _, d := range ch.Dependencies() {
		deps = append(deps, withRendered(d, rendered))
	}
	out.SetDependencies(deps...)
	return &out
}

// escapeTemplate is a template that renders to s: s itself when it has no action delimiter,
// otherwise one action printing s as a quoted string. Rendering it costs a copy of s: escaping
// each delimiter as its own action would cost a parse tree per two bytes of s.
func escapeTemplate(s string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	return "{{" + strconv.Quote(s) + "}}"
}

// errChildGone is a rendering child that stopped answering: its exit says why.
var errChildGone = errors.New("the chart renderer is gone")

// talk sends req to the child and answers its lookups until it sends its result: answer, whose
// Error (truncated) is the request's own failure (the templates', the index's, or a bound the
// child enforced, Bound), after which the child is still sound, as it is after reqErr, a
// request that could not be sent. commErr is a failure of the exchange, after which the child
// is not: errChildGone, or a bound this side enforced.
func (c *renderChild) talk(task childTask, limits RenderLimits, req renderRequest, lookup lookupFunc) (answer childMessage, reqErr, commErr error) {
	line, err := json.Marshal(req)
	if err != nil {
		return childMessage{}, fmt.Errorf("encode the request of a %s: %w", task.what, err), nil
	}
	if _, err := c.stdin.Write(append(line, '\n')); err != nil {
		return childMessage{}, nil, errChildGone
	}
	// The rendered manifests' own bound, and room for JSON's escaping of them.
	maxLine := 2*limits.Output + 4096
	lookups := 0
	for {
		raw, err := readLine(c.stdout, maxLine)
		if errors.Is(err, errLineTooLong) {
			return childMessage{}, nil, fmt.Errorf("%w: %s", task.bound, task.tooLong(limits))
		}
		if err != nil {
			return childMessage{}, nil, errChildGone
		}
		var m childMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return childMessage{}, nil, fmt.Errorf("the chart renderer's answer: %w", err)
		}
		if m.Lookup == nil {
			m.Error = truncate(m.Error, maxErrorBytes)
			return m, nil, nil
		}
		lookups++
		answer := answerLookup(*m.Lookup, lookup, lookups > limits.Lookups, limits.Lookups)
		b, err := json.Marshal(answer)
		if err != nil {
			return childMessage{}, nil, fmt.Errorf("encode a template lookup's answer: %w", err)
		}
		if _, err := c.stdin.Write(append(b, '\n')); err != nil {
			return childMessage{}, nil, errChildGone
		}
	}
}

func answerLookup(req lookupRequest, lookup lookupFunc, over bool, max int) lookupAnswer {
	if over {
		return lookupAnswer{Error: fmt.Sprintf("%v: more than %d lookups", ErrRenderBound, max)}
	}
	if lookup == nil {
		return lookupAnswer{Object: json.RawMessage("{}")}
	}
	obj, err := lookup(req.APIVersion, req.Kind, req.Namespace, req.Name)
	var transport *url.Error
	switch {
	case errors.As(err, &transport):
		// The error's text names the target's address; the rendering's error reaches the
		// NfDeployment's writer, who chose the target, not its network.
		return lookupAnswer{Error: fmt.Sprintf("lookup %s %s: the target cluster: %s", req.Kind, req.Name, netclass.APIServer(err))}
	case err != nil:
		return lookupAnswer{Error: err.Error()}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return lookupAnswer{Error: fmt.Sprintf("encode %s %s: %v", req.Kind, req.Name, err)}
	}
	return lookupAnswer{Object: b}
}

// outputTooLarge says a rendering's manifests are past limits.Output.
func outputTooLarge(limits RenderLimits) string {
	return fmt.Sprintf("the rendered manifests are larger than %d bytes", limits.Output)
}

// tooManyObjects says a rendering's manifests name more than limits.Objects objects.
func tooManyObjects(limits RenderLimits) string {
	return fmt.Sprintf("the rendered manifests hold more than %d objects", limits.Objects)
}

// documentTooCostly says a document of file is past limits.Document to parse.
func documentTooCostly(limits RenderLimits, file string) string {
	return fmt.Sprintf("a document of %s takes more than %d MiB to parse", file, limits.Document>>20)
}

// maxErrorBytes bounds the error of a rendering as it is reported (the NfDeployment's status,
// the log): Helm's error for an include nested a thousand deep repeats each level.
const maxErrorBytes = 2048

// truncate keeps the start of s (which template failed) and its end (the cause), max bytes
// in all.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max/2], "") + " … " + strings.ToValidUTF8(s[len(s)-max/2:], "")
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line of at most max bytes.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(line)+len(frag) > max {
			return nil, errLineTooLong
		}
		line = append(line, frag...)
		switch {
		case err == nil:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, err
		}
	}
}

// childFailure says why the child exited without a result of task.
func childFailure(task childTask, waitErr error, stderr string, limits RenderLimits) error {
	var exit *exec.ExitError
	if errors.As(waitErr, &exit) {
		if st, ok := exit.Sys().(syscall.WaitStatus); ok {
			switch {
			case st.Exited() && st.ExitStatus() == exitMemoryBound, strings.Contains(stderr, "out of memory"):
				return fmt.Errorf("%w: %s needed more than %d MiB", task.bound, task.what, limits.Memory>>20)
			case st.Exited() && st.ExitStatus() == exitCPUBound, st.Signaled() && st.Signal() == syscall.SIGXCPU:
				return fmt.Errorf("%w: %s took more than %s of CPU time", task.bound, task.what, limits.Timeout)
			}
		}
	}
	msg := strings.TrimSpace(stderr)
	if msg == "" {
		msg = waitErr.Error()
	}
	return fmt.Errorf("%w: %s", errRendererFailed, msg)
}

// prefixBuffer keeps the first bytes written to it: what a failing child says first.
type prefixBuffer struct{ bytes.Buffer }

const stderrKept = 1024

func (b *prefixBuffer) Write(p []byte) (int, error) {
	if room := stderrKept - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
