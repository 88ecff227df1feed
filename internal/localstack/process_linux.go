package localstack

import (
	"os/exec"
	"syscall"
)

// sysProcAttr puts the child in its own process group, so that signals reach anything it forks,
// and asks the kernel to kill it if the test binary dies first: a crashed 'go test' must not
// leave a kube-apiserver holding ports.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
		return cmd.Process.Signal(sig)
	}
	return nil
}
