package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// smoReceiver stands in for an SMO's notification endpoint, so subscriptions made from the
// printed steps have a callback that answers: it appends every notification, one JSON document
// a line, to a file the user can tail.
type smoReceiver struct {
	URL     string
	LogPath string
	srv     *http.Server
	mu      sync.Mutex
	log     *os.File
}

// startSMOReceiver listens on a free loopback port (the local netweave allows loopback
// callbacks) and writes what it receives to logPath.
func startSMOReceiver(logPath string) (*smoReceiver, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start the SMO receiver: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("start the SMO receiver: %w", err)
	}
	r := &smoReceiver{URL: "http://" + l.Addr().String(), LogPath: logPath, log: f}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.receive), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(l) }()
	return r, nil
}

// receive records one notification and answers 204, as the notifier expects of a callback.
func (r *smoReceiver) receive(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// Compacted so each notification is one line; anything else is logged as it came.
	var line bytes.Buffer
	if json.Compact(&line, body) != nil {
		line.Reset()
		line.Write(body)
	}
	r.mu.Lock()
	_, err = fmt.Fprintf(r.log, "%s %s %s\n", time.Now().Format(time.TimeOnly), req.URL.Path, line.Bytes())
	r.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Stop closes the listener and the log.
func (r *smoReceiver) Stop() error {
	return errors.Join(r.srv.Close(), r.log.Close())
}

// smoRegistrationPath is where the stand-in takes the O-Cloud's registration
// (OCloudAvailableNotification); it lands in the same log as the notifications.
const smoRegistrationPath = "/o2ims/ocloud-registration"

// smoRegistrationArgs make netweave register the O-Cloud with the stand-in at smoURL: over
// loopback, which the address policy otherwise refuses, and with quick retries.
func smoRegistrationArgs(smoURL string) []string {
	return []string{
		"--smo-registration-url=" + smoURL + smoRegistrationPath,
		"--smo-registration-allowed-cidrs=127.0.0.0/8",
		"--smo-registration-retry-max=30s",
	}
}
