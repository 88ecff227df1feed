package helmrelease

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"

	repo "helm.sh/helm/v4/pkg/repo/v1"
)

// renderers keeps the rendering children (render.go) between renderings: starting one is most
// of a rendering's cost (~85 ms, netweave's package initialisation, more on a loaded machine),
// so a child that rendered within its bounds renders the next chart too. One that went past a
// bound, was cancelled or failed is killed; one idle for renderIdle exits. Templates cannot
// keep anything from one rendering to the next (Helm's engine starts each from the chart, and
// no template function writes state), so a child serves any tenant's chart after another's.
type renderers struct {
	limits  RenderLimits
	idle    time.Duration
	metrics *RenderMetrics

	mu   sync.Mutex
	free []*renderChild
}

// renderIdle is how long a rendering child is kept without work.
const renderIdle = time.Minute

func newRenderers(limits RenderLimits, metrics *RenderMetrics) *renderers {
	return &renderers{limits: limits, idle: renderIdle, metrics: metrics}
}

// renderChild is one rendering process and its pipes.
type renderChild struct {
	cmd    *exec.Cmd
	stdin  *os.File
	stdout *bufio.Reader
	stderr prefixBuffer
	// done is closed once the process has exited and waitErr is set.
	done    chan struct{}
	waitErr error

	killOnce sync.Once
	// killedFor is why this side killed the child (nil: it was not killed).
	killedFor error
	// reap, while the child is free, kills it once it has been idle for renderers.idle.
	reap *time.Timer
}

var errRenderTimeout = errors.New("rendering timed out")

// timedOut is a task that went past RenderLimits.Timeout, a bound of wall-clock time: it is
// task.bound's (its text says which), and also errRenderTimeout, since how long a task takes
// is the machine's load as much as the task's (recordManifests does not remember it).
type timedOut struct{ error }

func (e timedOut) Unwrap() []error { return []error{e.error, errRenderTimeout} }

// errRendererFailed is a rendering that failed for want of a sound renderer (it could not be
// started, it died, or the rendering was cancelled), not for the chart.
var errRendererFailed = errors.New("the chart renderer failed")

// render renders req in a free child, or a new one, within r.limits, answering its lookups
// with lookup (nil: every lookup finds nothing, as Helm's rendering without a cluster does).
func (r *renderers) render(ctx context.Context, req renderRequest, lookup lookupFunc) (rendered map[string]string, err error) {
	start := time.Now()
	defer func() { r.metrics.observe(start, err) }()
	answer, err := r.do(ctx, renderTask, req, lookup)
	switch {
	case err != nil:
		return nil, err
	case answer.Error != "":
		return nil, errors.New(answer.Error)
	case answer.Rendered == nil:
		return map[string]string{}, nil
	}
	return answer.Rendered, nil
}

// indexTask is the parse of a repository's index (source.go).
var indexTask = childTask{what: "parsing the index", bound: ErrIndexBound, tooLong: func(l RenderLimits) string {
	return fmt.Sprintf("the chart's entry in the index is larger than %d bytes", l.Output)
}}

// indexEntry is the entry of req.Name at req.Version in the index req.Raw, parsed and selected
// in a free child, or a new one, within r.limits: an index past a bound is ErrIndexBound; one
// that does not parse or has no such entry is classified (ClassBadIndex, ClassNotInIndex).
func (r *renderers) indexEntry(ctx context.Context, req indexRequest) (*repo.ChartVersion, error) {
	answer, err := r.do(ctx, indexTask, renderRequest{Index: &req}, nil)
	switch {
	case err != nil:
		return nil, err
	case answer.Error != "":
		class := answer.Class
		if class != ClassNotInIndex {
			class = ClassBadIndex
		}
		return nil, classify(class, errors.New(answer.Error))
	case answer.Entry == nil:
		return nil, classify(ClassBadIndex, errors.New("the index parser selected no entry"))
	}
	return answer.Entry, nil
}

// do asks req of a free child, or a new one, within r.limits, answering its lookups with
// lookup, and returns its answer: err is task.bound for a bound crossed (the answer's own, or
// this side's), errRendererFailed for a child that failed or was cancelled.
func (r *renderers) do(ctx context.Context, task childTask, req renderRequest, lookup lookupFunc) (childMessage, error) {
	req.Limits = r.limits
	c, err := r.get()
	if err != nil {
		return childMessage{}, err
	}
	timer := time.AfterFunc(r.limits.Timeout, func() { c.kill(errRenderTimeout) })
	stop := context.AfterFunc(ctx, func() { c.kill(context.Cause(ctx)) })
	answer, reqErr, commErr := c.talk(task, r.limits, req, lookup)
	inTime, notCancelled := timer.Stop(), stop()
	if commErr == nil && inTime && notCancelled {
		r.put(c)
		switch {
		case reqErr != nil:
			return childMessage{}, reqErr
		case answer.Bound:
			return childMessage{}, fmt.Errorf("%w: %s", task.bound, answer.Error)
		}
		return answer, nil
	}
	c.kill(nil)
	<-c.done
	switch {
	case errors.Is(c.killedFor, errRenderTimeout):
		return childMessage{}, timedOut{fmt.Errorf("%w: %s took longer than %s", task.bound, task.what, r.limits.Timeout)}
	case c.killedFor != nil:
		return childMessage{}, fmt.Errorf("%w: %w", errRendererFailed, c.killedFor)
	case commErr != nil && !errors.Is(commErr, errChildGone):
		return childMessage{}, commErr
	}
	return childMessage{}, childFailure(task, c.waitErr, c.stderr.String(), r.limits)
}

// get takes a free child that is still sound, or starts one.
func (r *renderers) get() (*renderChild, error) {
	r.mu.Lock()
	for len(r.free) > 0 {
		c := r.free[len(r.free)-1]
		r.free = r.free[:len(r.free)-1]
		// A reap that already fired is killing it.
		if c.reap.Stop() && !c.exited() {
			r.mu.Unlock()
			return c, nil
		}
	}
	r.mu.Unlock()
	return r.start()
}

// put makes c free again, to be reaped after r.idle without work.
func (r *renderers) put(c *renderChild) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.reap = time.AfterFunc(r.idle, func() {
		r.mu.Lock()
		r.free = slices.DeleteFunc(r.free, func(f *renderChild) bool { return f == c })
		r.mu.Unlock()
		c.kill(nil)
	})
	r.free = append(r.free, c)
}

// start starts a rendering child: this executable (or limits.Command) with RenderChildEnv and
// nothing else of this process's environment, which is not the templates' business.
func (r *renderers) start() (*renderChild, error) {
	command := r.limits.Command
	if command == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("%w: find netweave's executable: %w", errRendererFailed, err)
		}
		command = self
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("%w: start: %w", errRendererFailed, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("%w: start: %w", errRendererFailed, err)
	}
	c := &renderChild{stdin: inW, stdout: bufio.NewReader(outR), done: make(chan struct{})}
	c.cmd = exec.Command(command)
	c.cmd.Env = []string{RenderChildEnv + "=1", "GOTRACEBACK=none"}
	// Files, not writers: the child reads and writes them itself, and Wait, which may run
	// while a rendering's answer is still being read, closes neither.
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = inR, outW, &c.stderr
	err = c.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("%w: start %s: %w", errRendererFailed, command, err)
	}
	r.metrics.childStarted()
	go func() {
		c.waitErr = c.cmd.Wait()
		inW.Close()
		outR.Close()
		close(c.done)
	}()
	return c, nil
}

// kill kills the child, recording why the first time (reason nil: no reason to report).
func (c *renderChild) kill(reason error) {
	c.killOnce.Do(func() {
		c.killedFor = reason
		_ = c.cmd.Process.Kill()
	})
}

func (c *renderChild) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}
