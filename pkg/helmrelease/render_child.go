package helmrelease

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path"
	"regexp"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	repo "helm.sh/helm/v4/pkg/repo/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// RenderChildEnv, set in a process's environment, makes ServeRenderChild serve renderings of
// charts' templates (render.go) on its standard input and output, and exit.
const RenderChildEnv = "NETWEAVE_HELM_RENDER_CHILD"

// The child's exit statuses when it went past its memory bound and its CPU time.
const (
	exitMemoryBound = 3
	exitCPUBound    = 4
)

// ServeRenderChild serves renderings (and parses of repository indexes, source.go) until its
// input ends, and exits, when this process was started as a chart renderer (RenderChildEnv);
// otherwise it returns at once. netweave's main calls it first, as must the TestMain of a
// package whose tests install or upgrade charts or fetch them from a repository.
func ServeRenderChild() {
	if os.Getenv(RenderChildEnv) == "" {
		return
	}
	os.Exit(serveRender(os.Stdin, os.Stdout, os.Stderr))
}

// serveRender serves the renderRequests read from in, one at a time, until in ends, each
// within its limits: its result is written to out, and its template lookups asked of the
// parent on out and answered on in. A bound crossed ends the process (render_pool.go starts
// another).
func serveRender(in io.Reader, out io.Writer, stderr io.Writer) int {
	r := bufio.NewReader(in)
	w := bufio.NewWriter(out)
	bounded := false
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return 0
		}
		if err != nil {
			fmt.Fprintf(stderr, "read the rendering request: %v\n", err)
			return 1
		}
		var req renderRequest
		if err := json.Unmarshal(line, &req); err != nil {
			fmt.Fprintf(stderr, "decode the rendering request: %v\n", err)
			return 1
		}
		if !bounded {
			if err := bound(req.Limits, stderr); err != nil {
				fmt.Fprintf(stderr, "bound the rendering: %v\n", err)
				return 1
			}
			bounded = true
		}
		if err := boundCPU(req.Limits); err != nil {
			fmt.Fprintf(stderr, "bound the rendering: %v\n", err)
			return 1
		}
		stopWatching := watchMemory(uint64(req.Limits.Memory), stderr)
		var msg childMessage
		switch {
		case req.Index != nil:
			msg = indexEntry(*req.Index)
		case len(req.Manifests) > 0:
			msg = parseManifests(req.Manifests, req.Limits)
		default:
			msg = render(req, &lookupForwarder{in: r, out: w})
		}
		stopWatching()
		// Without HTML escaping, which would make each <, > and & of the manifests six bytes
		// and a manifest within its output bound a line past what the parent reads.
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(msg); err != nil {
			fmt.Fprintf(stderr, "encode the rendered manifests: %v\n", err)
			return 1
		}
		if err := w.Flush(); err != nil {
			return 1
		}
		// What the rendering held goes back to the system: the next starts from the idle
		// process, and the child's memory between renderings is its idle footprint.
		debug.FreeOSMemory()
	}
}

// render does what Helm's install and upgrade do between processing the dependencies (done by
// the parent) and rendering: the values the templates see, the chart's schema checked, then
// Helm's engine with lookups forwarded.
func render(req renderRequest, lookups *lookupForwarder) childMessage {
	ch := req.Chart.chart()
	vals, err := util.ToRenderValuesWithSchemaValidation(ch, req.Values, req.Options, req.Capabilities, false)
	if err != nil {
		return childMessage{Error: err.Error()}
	}
	files, err := engine.RenderWithClientProvider(ch, vals, lookups)
	if err != nil {
		return childMessage{Error: err.Error()}
	}
	size := 0
	for _, f := range files {
		size += len(f)
	}
	if size > req.Limits.Output {
		return childMessage{Error: outputTooLarge(req.Limits), Bound: true}
	}
	if manifestObjects(files, req.Limits.Objects) > req.Limits.Objects {
		// 16 MiB of manifests holds ~250,000 small objects: Helm would create (or read and
		// patch) each at the target's rate limit, for hours of a worker every tenant shares.
		return childMessage{Error: tooManyObjects(req.Limits), Bound: true}
	}
	// Helm parses every document of the rendering as YAML in netweave's own process (its
	// releaseutil.SortManifests, then its kube client's decoding of each object, then the
	// workloads' reading of the manifest), at some hundred bytes of memory per YAML node, and
	// a node may take two bytes of output: 4 MiB of `[a,a,...]`, within every other bound,
	// cost 560 MiB there. Parsed here first, as Helm will parse it, that cost is held to this
	// rendering's memory bound (the watchdog ends the child past it), and each document's to
	// limits.Document: within the memory bound a document could still cost netweave's own
	// process that bound again, per worker (TestRegressionRenderedDocumentParsedCheaply).
	// What fails to parse is Helm's to report, with its own message, when it parses the
	// rendering again.
	if file := costlyRendering(files, uint64(req.Limits.Document)); file != "" {
		return childMessage{Error: documentTooCostly(req.Limits, file), Bound: true}
	}
	if req.Options.IsInstall {
		if file := costlyCRDs(ch, uint64(req.Limits.Document)); file != "" {
			return childMessage{Error: documentTooCostly(req.Limits, file), Bound: true}
		}
	}
	return childMessage{Rendered: files}
}

// costlyRendering parses the rendered files' documents as Helm's SortManifests does, in its
// order, until the first that fails to parse (where Helm stops), and names the file of the
// first whose parse costs more than max bytes ("" when none does), by either measure of
// documentCost.
func costlyRendering(files map[string]string, max uint64) string {
	for _, name := range slices.Sorted(maps.Keys(files)) {
		content := files[name]
		if strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(content) == "" {
			continue
		}
		docs := releaseutil.SplitManifests(content)
		keys := slices.Collect(maps.Keys(docs))
		sort.Sort(releaseutil.BySplitManifestsOrder(keys))
		for _, k := range keys {
			cost, err := documentCost(docs[k])
			if cost > max {
				return name
			}
			if err != nil {
				return ""
			}
		}
	}
	return ""
}

// documentCost is what parsing doc costs netweave's process, the larger of two measures: its
// head parsed (parseCost: Helm's SortManifests), and the document decoded whole (decodeCost:
// Helm's kube client builds each document's object, the workloads' status reads it, and the
// check of a release record's manifests measures that, parseManifests), some 40% more for a
// document of many small nodes. Held to the head alone, a document between the two rendered
// and installed, and its own release record was then refused at every read
// (TestRegressionOwnReleaseRecordRefusedAfterInstall). err is the head's parse error.
func documentCost(doc string) (uint64, error) {
	head, err := parseCost(doc)
	return max(head, decodeCost([]byte(doc))), err
}

// decodeCost decodes doc whole as the Kubernetes YAML decoder does, and says what that
// allocated.
func decodeCost(doc []byte) uint64 {
	before := allocatedBytes()
	var obj map[string]any
	_ = utilyaml.Unmarshal(doc, &obj)
	return allocatedBytes() - before
}

// parseCost parses doc as Helm parses a document's head, and says what that allocated.
func parseCost(doc string) (uint64, error) {
	before := allocatedBytes()
	var head releaseutil.SimpleHead
	err := yaml.Unmarshal([]byte(doc), &head)
	return allocatedBytes() - before, err
}

// allocatedBytes is what this process has allocated since it started (counted as the
// runtime hands out spans, a few KiB at a time; no stop of the world to read it).
func allocatedBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// costlyCRDs parses the files of the chart's crds/ directories and its subcharts', which an
// install parses as YAML in netweave's own process before anything else (Helm's installCRDs
// builds each file's objects): they are neither templates, whose rendering is parsed above,
// nor what the unpack bound counts, and 4 MiB of `[a,a,...]` there cost 750 MiB to decode.
// Parsed here, that cost is held to this rendering's memory bound
// (TestRegressionChartCRDsParsedOutsideTheBound), and each document's to max: it names the
// file of the first past it ("" when none is). Every document of every file, whatever fails
// to parse: Helm stops at its first failure, in the files' order in the chart (the archive's,
// which its writer chose), and no earlier failure here may skip what Helm would parse.
func costlyCRDs(ch *chart.Chart, max uint64) string {
	for _, crd := range ch.CRDObjects() {
		if crd.File == nil {
			continue
		}
		for _, doc := range releaseutil.SplitManifests(string(crd.File.Data)) {
			if cost, _ := documentCost(doc); cost > max {
				return crd.Filename
			}
		}
	}
	return ""
}

// indexEntry is the entry of req.Name at req.Version in the repository index req.Raw, parsed
// here rather than in netweave's process: the index is whatever the repository a descriptor
// names serves, up to 16 MiB, and parsing YAML costs some hundred bytes per node, a node per
// two bytes of `urls: [a,a,...]` (16 MiB of it took 2.4 GiB and 39 s of CPU). Only what the
// parent reads of the entry is answered, the first URL and the digest (the chart's metadata is
// the archive's): a list of millions of URLs would cost the parent as much to decode.
func indexEntry(req indexRequest) childMessage {
	var index repo.IndexFile
	if err := yaml.Unmarshal(req.Raw, &index); err != nil {
		return childMessage{Error: err.Error(), Class: ClassBadIndex}
	}
	dropInvalidEntries(&index)
	index.SortEntries()
	cv, err := index.Get(req.Name, req.Version)
	if err != nil {
		return childMessage{Error: err.Error(), Class: ClassNotInIndex}
	}
	entry := &repo.ChartVersion{Metadata: &chart.Metadata{Name: cv.Name, Version: cv.Version}, Digest: cv.Digest}
	if len(cv.URLs) > 0 {
		entry.URLs = cv.URLs[:1]
	}
	return childMessage{Entry: entry}
}

// dropInvalidEntries leaves out of index the version entries Helm's own index loader
// (repo.loadIndex, which reads files only) leaves out or fills in: a null entry, and one
// without metadata (no name, no version: nothing to select it by). The repository is whoever
// wrote the descriptor's choice, and Helm's IndexFile.Get and SortEntries dereference both.
func dropInvalidEntries(index *repo.IndexFile) {
	for name, cvs := range index.Entries {
		index.Entries[name] = slices.DeleteFunc(cvs, func(cv *repo.ChartVersion) bool { return cv == nil || cv.Metadata == nil })
	}
}

// manifestObjects counts the objects files render to as Helm applies them, up to just past
// max: each YAML document but those of comments only, of a file but partials and NOTES.txt
// (Helm's releaseutil splits documents at every line that starts with "---"), and each item of
// a `kind: List` document.
// It reads no further than it needs and copies nothing: a rendering near the output bound has
// its memory bound to keep to.
func manifestObjects(files map[string]string, max int) int {
	n := 0
	for name, content := range files {
		if base := path.Base(name); strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		start, blank := 0, true
		for pos := 0; pos < len(content) && n <= max; {
			end := strings.IndexByte(content[pos:], '\n') + pos + 1
			if end == pos {
				end = len(content)
			}
			switch line := content[pos:end]; {
			case strings.HasPrefix(line, "---"):
				if !blank {
					n += documentObjects(content[start:pos])
				}
				start, blank = end, true
			case blank:
				// A document of comments only names no object.
				t := strings.TrimSpace(line)
				blank = t == "" || t[0] == '#'
			}
			pos = end
		}
		if !blank {
			n += documentObjects(content[start:])
		}
		if n > max {
			return n
		}
	}
	return n
}

// listKind finds a document that is a `kind: List` (the only ones parsed whole).
var listKind = regexp.MustCompile(`(?m)^kind:\s*["']?List["']?\s*$`)

// documentObjects is how many objects a manifest document names: a List's items, or one.
func documentObjects(doc string) int {
	if !strings.Contains(doc, "List") || !listKind.MatchString(doc) {
		return 1
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := yaml.Unmarshal([]byte(doc), &list); err != nil || len(list.Items) == 0 {
		return 1
	}
	return len(list.Items)
}

// bound holds this process to limits' memory (the runtime's soft limit, an address-space
// limit for what a single allocation could ask at once; watchMemory during each rendering),
// and ends it when the kernel says a rendering used its CPU time (boundCPU).
func bound(limits RenderLimits, stderr io.Writer) error {
	var as unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_AS, &as); err != nil {
		return fmt.Errorf("address space limit: %w", err)
	}
	// The runtime reserves address space well beyond what it uses; what is mapped now plus
	// four times the bound leaves it that room and refuses a single allocation of gigabytes.
	if vm, err := virtualSize(); err == nil && !raceDetector {
		if want := vm + 4*uint64(limits.Memory); want < as.Cur {
			as.Cur = want
			if err := unix.Setrlimit(unix.RLIMIT_AS, &as); err != nil {
				return fmt.Errorf("address space limit: %w", err)
			}
		}
	}
	debug.SetMemoryLimit(limits.Memory * 9 / 10)
	xcpu := make(chan os.Signal, 1)
	signal.Notify(xcpu, unix.SIGXCPU)
	go func() {
		<-xcpu
		fmt.Fprintf(stderr, "rendering used its CPU time of %s\n", limits.Timeout)
		os.Exit(exitCPUBound)
	}()
	return nil
}

// boundCPU lets the next rendering use limits.Timeout of CPU time from now: the kernel sends
// SIGXCPU past it (RLIMIT_CPU counts the process's whole life, so the limit moves with each
// rendering).
func boundCPU(limits RenderLimits) error {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return fmt.Errorf("CPU time used: %w", err)
	}
	var cpu unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CPU, &cpu); err != nil {
		return fmt.Errorf("CPU time limit: %w", err)
	}
	cpu.Cur = min(uint64(ru.Utime.Sec+ru.Stime.Sec)+uint64(limits.Timeout/time.Second)+1, cpu.Max)
	if err := unix.Setrlimit(unix.RLIMIT_CPU, &cpu); err != nil {
		return fmt.Errorf("CPU time limit: %w", err)
	}
	return nil
}

// watchMemory exits the process once the Go runtime holds more than max bytes (mapped and not
// returned to the system), checked every 2 ms until stop is called: a template can allocate
// faster than the collector can keep up, and the soft limit alone would not stop it. It runs
// during renderings only: an idle child wakes for nothing.
func watchMemory(max uint64, stderr io.Writer) (stop func()) {
	done := make(chan struct{})
	go func() {
		samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(samples)
			if held := samples[0].Value.Uint64() - samples[1].Value.Uint64(); held > max {
				fmt.Fprintf(stderr, "rendering holds %d MiB, more than its bound of %d MiB\n", held>>20, max>>20)
				os.Exit(exitMemoryBound)
			}
		}
	}()
	return func() { close(done) }
}

// virtualSize is this process's mapped address space, in bytes.
func virtualSize() (uint64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	var pages uint64
	if _, err := fmt.Sscan(string(b), &pages); err != nil {
		return 0, err
	}
	return pages * uint64(os.Getpagesize()), nil
}

// lookupForwarder is the template lookup's client in the child: each Get or List is asked of
// the parent, which answers through the target's client (Helm's own lookup there).
type lookupForwarder struct {
	in  *bufio.Reader
	out *bufio.Writer
}

var _ engine.ClientProvider = (*lookupForwarder)(nil)

// GetClientFor implements engine.ClientProvider. Every kind is reported namespaced: Helm's
// lookup then passes the namespace on as given, and the parent's lookup, which knows the
// kind's scope, decides what it means.
func (f *lookupForwarder) GetClientFor(apiVersion, kind string) (dynamic.NamespaceableResourceInterface, bool, error) {
	return &forwardedResource{f: f, req: lookupRequest{APIVersion: apiVersion, Kind: kind}}, true, nil
}

func (f *lookupForwarder) ask(req lookupRequest) (map[string]any, error) {
	b, err := json.Marshal(childMessage{Lookup: &req})
	if err != nil {
		return nil, err
	}
	if _, err := f.out.Write(append(b, '\n')); err != nil {
		return nil, err
	}
	if err := f.out.Flush(); err != nil {
		return nil, err
	}
	line, err := f.in.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("lookup %s %s: no answer: %w", req.Kind, req.Name, err)
	}
	var a lookupAnswer
	if err := json.Unmarshal(line, &a); err != nil {
		return nil, err
	}
	if a.Error != "" {
		return nil, errors.New(a.Error)
	}
	// Decoded as the API server's objects are (integers as int64), so that templates compare
	// them as they would in Helm's own lookup.
	obj := map[string]any{}
	if err := utiljson.Unmarshal(a.Object, &obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// forwardedResource answers the calls Helm's lookup makes (Namespace, Get, List); it embeds
// the interface for the rest, which the lookup never calls.
type forwardedResource struct {
	dynamic.NamespaceableResourceInterface
	f   *lookupForwarder
	req lookupRequest
}

func (r *forwardedResource) Namespace(ns string) dynamic.ResourceInterface {
	c := *r
	c.req.Namespace = ns
	return &c
}

func (r *forwardedResource) Get(_ context.Context, name string, _ metav1.GetOptions, _ ...string) (*unstructured.Unstructured, error) {
	req := r.req
	req.Name = name
	obj, err := r.f.ask(req)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: obj}, nil
}

func (r *forwardedResource) List(_ context.Context, _ metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	obj, err := r.f.ask(r.req)
	if err != nil {
		return nil, err
	}
	list := &unstructured.UnstructuredList{}
	list.SetUnstructuredContent(obj)
	return list, nil
}
