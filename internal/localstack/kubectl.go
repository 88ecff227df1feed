package localstack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Kubectl runs kubectl against kubeconfig and returns its stdout and stderr. A non-zero exit is
// an error that quotes stderr, so tests asserting failure (e.g. a 403) check err and stderr.
func Kubectl(ctx context.Context, kubeconfig string, args ...string) (stdout, stderr string, err error) {
	return KubectlWithInput(ctx, kubeconfig, nil, args...)
}

// KubectlWithInput is Kubectl with stdin, for 'kubectl apply -f -'.
func KubectlWithInput(ctx context.Context, kubeconfig string, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	bin, err := KubectlBinary()
	if err != nil {
		return "", "", err
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig=" + kubeconfig}, args...)...)
	cmd.Stdin = stdin
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), errOut.String(), fmt.Errorf("kubectl %s: %w: %s",
			strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), errOut.String(), nil
}
