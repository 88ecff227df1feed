package model

// WithAttribute sets one additional attribute and returns p, for chaining. Only the tests build
// problems this way; the REST handlers set AdditionalAttributes directly.
func (p *ProblemDetails) WithAttribute(name, value string) *ProblemDetails {
	if p.AdditionalAttributes == nil {
		p.AdditionalAttributes = make(map[string]string, 1)
	}
	p.AdditionalAttributes[name] = value
	return p
}
