package localstack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// DefaultGracePeriod is how long Stop waits after SIGTERM before it kills. kube-apiserver drains
// for a few seconds on SIGTERM; anything slower is hung.
const DefaultGracePeriod = 15 * time.Second

// Process runs one external binary (etcd, kube-apiserver, redis-server, netweave, …) with its
// output appended to a log file, so it can be stopped and restarted and its log read after a
// failure. It is safe for concurrent use.
type Process struct {
	name        string
	argv        []string
	env         []string
	logPath     string
	gracePeriod time.Duration

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	err  error // exit status of the last run, valid once done is closed
}

// ProcessOptions describes a process. Argv[0] is the binary's path.
type ProcessOptions struct {
	Name string
	Argv []string
	// Env is added to the environment of the test process.
	Env []string
	// LogPath receives stdout and stderr, appended across restarts.
	LogPath string
	// GracePeriod between SIGTERM and SIGKILL; DefaultGracePeriod when zero.
	GracePeriod time.Duration
}

// NewProcess prepares a process; nothing runs until Start.
func NewProcess(o ProcessOptions) (*Process, error) {
	if len(o.Argv) == 0 {
		return nil, fmt.Errorf("new process %q: empty argv", o.Name)
	}
	if o.LogPath == "" {
		return nil, fmt.Errorf("new process %q: no log path", o.Name)
	}
	name := o.Name
	if name == "" {
		name = filepath.Base(o.Argv[0])
	}
	grace := o.GracePeriod
	if grace == 0 {
		grace = DefaultGracePeriod
	}
	return &Process{
		name:        name,
		argv:        append([]string(nil), o.Argv...),
		env:         append([]string(nil), o.Env...),
		logPath:     o.LogPath,
		gracePeriod: grace,
	}, nil
}

// StartProcess is NewProcess followed by Start.
func StartProcess(o ProcessOptions) (*Process, error) {
	p, err := NewProcess(o)
	if err != nil {
		return nil, err
	}
	if err := p.Start(); err != nil {
		return nil, err
	}
	return p, nil
}

// Name is the name given in ProcessOptions (or the binary's base name).
func (p *Process) Name() string { return p.name }

// LogPath is the file that receives the process's output.
func (p *Process) LogPath() string { return p.logPath }

// Start runs the process. It does not wait for readiness; use a Wait* helper for that.
func (p *Process) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !isClosed(p.done) {
		return fmt.Errorf("start %s: already running (pid %d)", p.name, p.cmd.Process.Pid)
	}
	if err := os.MkdirAll(filepath.Dir(p.logPath), 0o755); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("start %s: open log: %w", p.name, err)
	}
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.err = cmd, done, nil
	go func() {
		err := cmd.Wait()
		logFile.Close()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// Exited is closed when the current run of the process ends; readiness waits select on it so a
// crashing binary fails the wait at once instead of at the deadline.
func (p *Process) Exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		closed := make(chan struct{})
		close(closed)
		return closed
	}
	return p.done
}

// ExitError describes how the last run ended (nil while running or after a clean exit).
func (p *Process) ExitError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Pid of the current run, or 0 when not started.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Stop sends SIGTERM, waits up to the grace period, then kills. Stopping a process that is not
// running is a no-op, so cleanups can call it unconditionally.
func (p *Process) Stop() error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return nil
	}
	if err := signalGroup(cmd, syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop %s: %w", p.name, err)
	}
	timer := time.NewTimer(p.gracePeriod)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-timer.C:
	}
	if err := signalGroup(cmd, syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill %s: %w", p.name, err)
	}
	<-done
	return nil
}

// Kill ends the process at once without a graceful shutdown, to simulate a crash.
func (p *Process) Kill() error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return nil
	}
	if err := signalGroup(cmd, syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill %s: %w", p.name, err)
	}
	<-done
	return nil
}

// Restart stops the process (gracefully) and starts it again with the same argv.
func (p *Process) Restart() error {
	if err := p.Stop(); err != nil {
		return fmt.Errorf("restart %s: %w", p.name, err)
	}
	if err := p.Start(); err != nil {
		return fmt.Errorf("restart %s: %w", p.name, err)
	}
	return nil
}

// LogTail returns at most the last n lines of the log, for failure messages.
func (p *Process) LogTail(n int) string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", p.logPath, err)
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// logSaysAddrInUse tells whether the log, from offset on (this run's output), reports a listen
// that failed because the port is taken: the one start failure that another port cures.
func (p *Process) logSaysAddrInUse(offset int64) bool {
	f, err := os.Open(p.logPath)
	if err != nil {
		return false
	}
	defer f.Close()
	data, err := io.ReadAll(io.NewSectionReader(f, offset, 1<<20))
	if err != nil {
		return false
	}
	return bytes.Contains(bytes.ToLower(data), []byte("address already in use"))
}

// exitedError explains a process that ended while something waited for it to become ready.
func (p *Process) exitedError() error {
	return fmt.Errorf("%s exited early (%v); last log lines from %s:\n%s",
		p.name, p.ExitError(), p.logPath, p.LogTail(30))
}

func isClosed(ch chan struct{}) bool {
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
