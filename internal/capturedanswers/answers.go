// Package capturedanswers holds the O2 answers test/bench captures from netweave, keyed by
// request URI, and serves them back: the handler of BenchmarkO2's bare net/http ceiling and of
// netweave's o2floor build (pkg/apiserver/o2floor.go), so both answer with the same bytes in
// the same way and differ only in what is in front of the handler.
package capturedanswers

import (
	"encoding/gob"
	"fmt"
	"net/http"
	"os"
)

// Write stores answers (request URI → body) in the file at path.
func Write(path string, answers map[string][]byte) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write captured answers: %w", err)
	}
	if err := gob.NewEncoder(f).Encode(answers); err != nil {
		f.Close()
		return fmt.Errorf("write captured answers to %s: %w", path, err)
	}
	return f.Close()
}

// Read loads the answers Write stored at path.
func Read(path string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read captured answers: %w", err)
	}
	defer f.Close()
	var answers map[string][]byte
	if err := gob.NewDecoder(f).Decode(&answers); err != nil {
		return nil, fmt.Errorf("read captured answers from %s: %w", path, err)
	}
	return answers, nil
}

// Handler answers each request URI with its captured body as JSON, and 404 otherwise.
func Handler(answers map[string][]byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := answers[r.RequestURI]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}
