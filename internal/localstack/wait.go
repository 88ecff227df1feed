package localstack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// pollInterval is short because every start-up wait sits on the critical path of the e2e tier.
const pollInterval = 200 * time.Millisecond

// WaitForHTTPOK polls url with client until it answers 200, the timeout passes, or proc (when not
// nil) exits; the error then carries the last answer, or the process's log tail, so a failure
// explains itself.
func WaitForHTTPOK(ctx context.Context, client *http.Client, url string, proc *Process, timeout time.Duration) error {
	return WaitForHTTPAnswer(ctx, client, url, proc, timeout, nil)
}

// WaitForHTTPAnswer is WaitForHTTPOK that also waits until check (when not nil) accepts the
// answer's body (its first 64 KiB).
func WaitForHTTPAnswer(ctx context.Context, client *http.Client, url string, proc *Process, timeout time.Duration,
	check func(body []byte) error) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		if proc != nil {
			select {
			case <-proc.Exited():
				return false, proc.exitedError()
			default:
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, fmt.Errorf("build request: %w", err)
		}
		resp, err := client.Do(req)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if resp.StatusCode != http.StatusOK {
			last = fmt.Sprintf("HTTP %d: %.4096s", resp.StatusCode, body)
			return false, nil
		}
		if check == nil {
			return true, nil
		}
		if err := check(body); err != nil {
			last = err.Error()
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		// A process that exited already explained itself (exitedError); one that is still
		// running but never became ready has its reason only in its log.
		if proc != nil && !exited(proc) {
			return fmt.Errorf("wait for %s of %s: %w (last answer: %s); last log lines from %s:\n%s",
				url, proc.name, err, last, proc.logPath, proc.LogTail(30))
		}
		return fmt.Errorf("wait for %s: %w (last answer: %s)", url, err, last)
	}
	return nil
}

// exited tells whether proc's current run has ended.
func exited(proc *Process) bool {
	select {
	case <-proc.Exited():
		return true
	default:
		return false
	}
}
