package helmrelease

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/netweave-io/netweave/pkg/netclass"
)

// Classes of chart fetch failure, as an NfDeployment's status reports them.
//
// The status is read by whoever may read the NfDeployment, and the chart source is whatever
// the descriptor's writer chose. A raw error there ("connection refused" vs "i/o timeout",
// the address a name resolved to, a line of the body that did not parse) would make netweave
// a scanner of what its network reaches. So a status says which class of failure happened,
// one class for every way of not getting a connection; the full error goes to the log.
const (
	ClassAddressRefused = "address not allowed for chart sources (--o2dms-chart-allowed-cidrs)"
	ClassConnection     = "cannot connect to the chart source"
	ClassTimeout        = "the chart source timed out"
	ClassTLS            = "TLS handshake with the chart source failed"
	ClassTooLarge       = "larger than the chart size limit"
	ClassBadIndex       = "the repository's index.yaml is not a chart repository index"
	ClassNotInIndex     = "the chart version is not in the repository's index"
	ClassIndexBound     = "parsing the repository's index.yaml went past its memory or time bound"
	ClassIndexDigest    = "the chart archive does not match the repository index's digest"
	ClassDigestPin      = "the chart does not match the pinned digest"
	ClassBadChart       = "the archive is not a valid chart"
	ClassWrongVersion   = "the chart's version is not the one asked for"
	ClassRegistry       = "the OCI registry refused or failed the pull"
	ClassOther          = "chart fetch failed"
)

// classified is a failure whose class is known where it happens.
type classified struct {
	class string
	err   error
	// overTransport: err may wrap a transport failure (an OCI pull's), whose class is then
	// more telling than this one. Otherwise err is about content, whatever its text says.
	overTransport bool
}

func (c *classified) Error() string { return c.class + ": " + c.err.Error() }
func (c *classified) Unwrap() error { return c.err }

// classify classes a failure of what was fetched (not of fetching it).
func classify(class string, err error) error { return &classified{class: class, err: err} }

// classifyOverTransport classes a failure that may be a transport failure inside.
func classifyOverTransport(class string, err error) error {
	return &classified{class: class, err: err, overTransport: true}
}

// StatusError is a chart source's answer other than 200 OK.
type StatusError struct {
	// URL is what was asked, for the log.
	URL  string
	Code int
}

func (e *StatusError) Error() string { return "GET " + e.URL + ": HTTP " + strconv.Itoa(e.Code) }

// FailureClass maps an error of Fetcher.Fetch to its class (one of the Class constants, or
// "the chart source answered HTTP <code>"); it never returns addresses, host names, system
// error text or response bodies.
func FailureClass(err error) string {
	var (
		refused *AddressRefusedError
		c       *classified
		status  *StatusError
		uerr    *url.Error
	)
	switch {
	case err == nil:
		return ""
	// Before the others: a refusal is reached through the dial's errors, and a registry
	// pull's class may wrap them.
	case errors.As(err, &refused):
		return ClassAddressRefused
	case errors.As(err, &c) && !c.overTransport:
		return c.class
	case errors.As(err, &status):
		return "the chart source answered HTTP " + strconv.Itoa(status.Code)
	case netclass.TLS(err):
		return ClassTLS
	case netclass.NoConnection(err):
		return ClassConnection
	case netclass.Timeout(err):
		return ClassTimeout
	case errors.As(err, &c):
		return c.class
	case errors.As(err, &uerr):
		// Connected, then reset or closed without an answer.
		return ClassConnection
	}
	return ClassOther
}
