package localstack

import (
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"strings"
)

// Users known to kube-apiserver through --token-auth-file.
const (
	// Admin is in system:masters and may do anything.
	Admin = "admin"
	// Alice and Bob have no permissions until a test binds a role to them; they exist to prove
	// that RBAC decides what netweave shows.
	Alice = "alice"
	Bob   = "bob"
	// Carol, Dave and SMO complete the tenancy matrix: a third tenant's reader, a namespace
	// admin, and an SMO bound cluster-wide. They too start with no permissions.
	Carol = "carol"
	Dave  = "dave"
	SMO   = "smo"
)

// user is one static-token identity.
type user struct {
	name   string
	groups []string
	token  string
}

func newUsers() ([]user, error) {
	specs := []struct {
		name   string
		groups []string
	}{
		{Admin, []string{"system:masters"}},
		{Alice, nil},
		{Bob, nil},
		{Carol, nil},
		{Dave, nil},
		{SMO, nil},
	}
	users := make([]user, 0, len(specs))
	for _, s := range specs {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("token for %s: %w", s.name, err)
		}
		users = append(users, user{name: s.name, groups: s.groups, token: hex.EncodeToString(b)})
	}
	return users, nil
}

// writeTokenFile writes the CSV kube-apiserver reads: token,user,uid[,"group1,group2"].
func writeTokenFile(path string, users []user) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	for _, u := range users {
		rec := []string{u.token, u.name, u.name}
		if len(u.groups) > 0 {
			rec = append(rec, strings.Join(u.groups, ","))
		}
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("write token file: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	return writeFile(path, []byte(b.String()), 0o600)
}
