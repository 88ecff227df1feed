package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestRegressionSecondMakeRunWipedTheFirst: a second launcher on the same -dir removed the
// running one's etcd and Redis directories; it must refuse instead, naming the holder, and the
// directory must be free again once the first lets go (as it does when killed, by the kernel).
func TestRegressionSecondMakeRunWipedTheFirst(t *testing.T) {
	dir := t.TempDir()
	release, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDir(dir); err == nil {
		t.Fatal("second lock of a held dir: want an error")
	} else if !strings.Contains(err.Error(), "another localup") || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("refusal must name the running launcher: %v", err)
	}
	release()
	release2, err := lockDir(dir)
	if err != nil {
		t.Fatalf("dir must be free after release: %v", err)
	}
	release2()
}
