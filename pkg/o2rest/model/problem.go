package model

import "net/http"

// ProblemContentType is the media type of every error body (RFC 7807).
const ProblemContentType = "application/problem+json"

// ProblemDetails is the error body of every O2-IMS API (common schema ProblemDetails).
// status and detail are required; type and instance must be absolute URIs (the schema gives
// them format uri), so leave them empty rather than putting a request path there.
type ProblemDetails struct {
	// Type identifies the problem type; absent means "about:blank".
	Type     string `json:"type,omitempty"`
	Title    string `json:"title,omitempty"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	// AdditionalAttributes carries the offending ids or parameters, e.g. {"resourcePoolId": id},
	// as oran-o2ims does; the schema allows string values only.
	AdditionalAttributes map[string]string `json:"additionalAttributes,omitempty"`
}

// NewProblemDetails returns a problem with the given status, the status text as title (the
// problem type is about:blank, for which RFC 7807 says the title should be the status text) and
// the detail.
func NewProblemDetails(status int, detail string) *ProblemDetails {
	return &ProblemDetails{Title: http.StatusText(status), Status: status, Detail: detail}
}
