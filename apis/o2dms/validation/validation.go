// Package validation checks o2dms.oran.org objects on their own (what needs no other object):
// chart sources, versions, the parameters schema, values as JSON objects, and the status the
// controller writes. The registry adds the checks against other objects (the descriptor, the
// deployment manager, the values against the descriptor's schema; pkg/registry/o2dms).
package validation

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/blang/semver/v4"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/netweave-io/netweave/apis/jsonparams"
	"github.com/netweave-io/netweave/apis/o2dms"
	imsvalidation "github.com/netweave-io/netweave/apis/o2ims/validation"
)

const (
	// MaxSchemaBytes bounds a descriptor's parametersSchema: chart values.schema.json files
	// are a few KiB, and every object is copied into the Redis change history and the
	// informers of the server and its controllers.
	MaxSchemaBytes = 256 * 1024
	// MaxValuesBytes bounds a descriptor's defaultValues and an NfDeployment's values.
	MaxValuesBytes = 256 * 1024
	// maxDescription bounds a description.
	maxDescription = 1024
	// maxURL bounds a chart reference or repository URL.
	maxURL = 2048
	// MaxStatusMessage bounds status.message (what the controller writes bounds it too).
	MaxStatusMessage = 32 * 1024
	// MaxStatusHistory and MaxStatusWorkloads bound the status lists.
	MaxStatusHistory   = 256
	MaxStatusWorkloads = 1024
)

var (
	digestRE    = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	chartNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// ValidateNfDeploymentDescriptor checks a descriptor on its own, metadata included: the
// registry caps the errors it answers with (validation.Capped), which holds only for errors
// found here, before the API server's own metadata checks.
func ValidateNfDeploymentDescriptor(d *o2dms.NfDeploymentDescriptor) field.ErrorList {
	spec := field.NewPath("spec")
	errs := imsvalidation.ValidateObjectMeta(&d.ObjectMeta, true)
	errs = append(errs, validateChart(&d.Spec.Chart, spec.Child("chart"))...)
	errs = append(errs, ValidateChartVersion(d.Spec.Version, spec.Child("version"))...)
	if d.Spec.Digest != "" && !digestRE.MatchString(d.Spec.Digest) {
		errs = append(errs, field.Invalid(spec.Child("digest"), d.Spec.Digest, "must be sha256:<64 lowercase hex digits>"))
	}
	if d.Spec.ParametersSchema != nil {
		p := spec.Child("parametersSchema")
		if len(d.Spec.ParametersSchema.Raw) > MaxSchemaBytes {
			errs = append(errs, field.TooLong(p, "", MaxSchemaBytes))
		} else {
			_, serrs := CompileParametersSchema(d.Spec.ParametersSchema.Raw, p)
			errs = append(errs, serrs...)
		}
	}
	if d.Spec.DefaultValues != nil {
		verrs := jsonparams.ValidateObject(d.Spec.DefaultValues.Raw, MaxValuesBytes, spec.Child("defaultValues"))
		errs = append(errs, verrs...)
	}
	if d.Spec.PullSecretRef != nil {
		errs = append(errs, validateName(d.Spec.PullSecretRef.Name, spec.Child("pullSecretRef", "name"))...)
	}
	if len(d.Spec.Description) > maxDescription {
		errs = append(errs, field.TooLong(spec.Child("description"), "", maxDescription))
	}
	return errs
}

func validateChart(c *o2dms.ChartSource, path *field.Path) field.ErrorList {
	switch {
	case c.OCI == nil && c.Repository == nil:
		return field.ErrorList{field.Required(path, "exactly one of oci or repository must be set")}
	case c.OCI != nil && c.Repository != nil:
		return field.ErrorList{field.Forbidden(path.Child("repository"), "exactly one of oci or repository may be set, not both")}
	case c.OCI != nil:
		return validateURL(c.OCI.Reference, path.Child("oci", "reference"), sets.New("oci"))
	}
	errs := validateURL(c.Repository.URL, path.Child("repository", "url"), sets.New("https", "http"))
	p := path.Child("repository", "name")
	switch {
	case c.Repository.Name == "":
		errs = append(errs, field.Required(p, "the chart's name in the repository"))
	case len(c.Repository.Name) > 250 || !chartNameRE.MatchString(c.Repository.Name):
		errs = append(errs, field.Invalid(p, c.Repository.Name, "must be a chart name: letters, digits, '.', '_' and '-', starting with a letter or digit"))
	}
	return errs
}

// validateURL requires an absolute URL of one of schemes with a host, and no credentials,
// query or fragment: credentials belong in pullSecretRef, and a chart source is a location.
func validateURL(raw string, path *field.Path, schemes sets.Set[string]) field.ErrorList {
	if raw == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	if len(raw) > maxURL {
		return field.ErrorList{field.TooLong(path, "", maxURL)}
	}
	want := strings.Join(sets.List(schemes), " or ")
	u, err := url.Parse(raw)
	// The URL is not quoted back: one refused for its credentials or query carries a password
	// or a token, and a refusal's message is recorded by the audit log even at Metadata level.
	invalid := func(detail string) field.ErrorList {
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, detail)}
	}
	var uerr *url.Error
	switch {
	case errors.As(err, &uerr):
		// url.Error quotes the whole URL; its cause names the part at fault.
		return invalid(fmt.Sprintf("must be a URL: %v", uerr.Err))
	case err != nil:
		return invalid("must be a URL")
	case !schemes.Has(u.Scheme):
		return invalid(fmt.Sprintf("must be a URL with scheme %s", want))
	case u.Host == "":
		return invalid("must name a host")
	case u.User != nil:
		return invalid("must not carry credentials; name a Secret in pullSecretRef")
	case u.RawQuery != "" || u.Fragment != "":
		return invalid("must have no query or fragment")
	case u.Scheme == "oci" && strings.Trim(u.Path, "/") == "":
		return invalid("must name a repository path after the registry host")
	}
	return nil
}

// MaxChartVersionLength bounds a chart version: semantic versions with pre-release and build
// parts fit many times over.
const MaxChartVersionLength = 128

// ValidateChartVersion requires a semantic version (a leading v and missing minor or patch
// numbers are tolerated, as Helm tolerates them).
func ValidateChartVersion(v string, path *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(path, "the chart version, e.g. 1.2.3")}
	}
	if len(v) > MaxChartVersionLength {
		// Before parsing: the version is copied into every informer, the change history, the
		// VERSION column and each release's status history.
		return field.ErrorList{field.TooLong(path, "", MaxChartVersionLength)}
	}
	if strings.ContainsAny(v, " \t\n") {
		return field.ErrorList{field.Invalid(path, v, "must be a semantic version, e.g. 1.2.3")}
	}
	if _, err := semver.ParseTolerant(v); err != nil {
		return field.ErrorList{field.Invalid(path, v, fmt.Sprintf("must be a semantic version, e.g. 1.2.3: %v", err))}
	}
	return nil
}

// maxReleaseNameLength is Helm's limit on release names, and so on NfDeployment names.
const maxReleaseNameLength = 53

// ValidateNfDeployment checks an NfDeployment on its own, metadata included (as a
// descriptor's); the registry resolves its descriptor and deployment manager and checks its
// values against the descriptor's schema.
func ValidateNfDeployment(d *o2dms.NfDeployment) field.ErrorList {
	spec := field.NewPath("spec")
	ref := spec.Child("descriptorRef")
	errs := imsvalidation.ValidateObjectMeta(&d.ObjectMeta, true)
	// The name is the Helm release's, which Helm refuses beyond 53 characters
	// (chartutil.ValidateReleaseName): refused here rather than as a failed install later,
	// and a deletion that could never uninstall.
	if len(d.Name) > maxReleaseNameLength {
		errs = append(errs, field.TooLong(field.NewPath("metadata", "name"), d.Name, maxReleaseNameLength))
	}
	errs = append(errs, validateName(d.Spec.DescriptorRef.Name, ref.Child("name"))...)
	if ns := d.Spec.DescriptorRef.Namespace; ns != "" {
		for _, msg := range utilvalidation.IsDNS1123Label(ns) {
			errs = append(errs, field.Invalid(ref.Child("namespace"), ns, msg))
		}
	}
	if d.Spec.DeploymentManagerID == "" {
		errs = append(errs, field.Required(spec.Child("deploymentManagerId"), "the O2 id of a DeploymentManager"))
	} else {
		// An O2 id is a UUID (either case; compared folded, as the id index does).
		errs = append(errs, imsvalidation.ValidateUUID(d.Spec.DeploymentManagerID, spec.Child("deploymentManagerId"))...)
	}
	if ns := d.Spec.TargetNamespace; ns != "" {
		for _, msg := range utilvalidation.IsDNS1123Label(ns) {
			errs = append(errs, field.Invalid(spec.Child("targetNamespace"), ns, msg))
		}
	}
	if d.Spec.Values != nil {
		verrs := jsonparams.ValidateObject(d.Spec.Values.Raw, MaxValuesBytes, spec.Child("values"))
		errs = append(errs, verrs...)
	}
	if r := d.Spec.DesiredRevision; r != nil && *r < 1 {
		errs = append(errs, field.Invalid(spec.Child("desiredRevision"), *r, "must be a release revision (1 or more)"))
	}
	return errs
}

var phases = sets.New(o2dms.NfDeploymentPending, o2dms.NfDeploymentInstalling, o2dms.NfDeploymentDeployed,
	o2dms.NfDeploymentUpgrading, o2dms.NfDeploymentRollingBack, o2dms.NfDeploymentFailed, o2dms.NfDeploymentDeleting)

// ValidateNfDeploymentStatus checks what the controller writes through the status subresource.
func ValidateNfDeploymentStatus(s *o2dms.NfDeploymentStatus) field.ErrorList {
	path := field.NewPath("status")
	var errs field.ErrorList
	if s.Phase != "" && !phases.Has(s.Phase) {
		errs = append(errs, field.NotSupported(path.Child("phase"), s.Phase, sets.List(phases)))
	}
	if s.ReleaseRevision < 0 {
		errs = append(errs, field.Invalid(path.Child("releaseRevision"), s.ReleaseRevision, "must not be negative"))
	}
	if s.ObservedGeneration < 0 {
		errs = append(errs, field.Invalid(path.Child("observedGeneration"), s.ObservedGeneration, "must not be negative"))
	}
	if len(s.Message) > MaxStatusMessage {
		errs = append(errs, field.TooLong(path.Child("message"), "", MaxStatusMessage))
	}
	if len(s.History) > MaxStatusHistory {
		errs = append(errs, field.TooMany(path.Child("history"), len(s.History), MaxStatusHistory))
	}
	for i, h := range s.History {
		if h.Revision < 1 {
			errs = append(errs, field.Invalid(path.Child("history").Index(i).Child("revision"), h.Revision, "must be 1 or more"))
		}
	}
	if len(s.Workloads) > MaxStatusWorkloads {
		errs = append(errs, field.TooMany(path.Child("workloads"), len(s.Workloads), MaxStatusWorkloads))
	}
	for i, w := range s.Workloads {
		p := path.Child("workloads").Index(i)
		// A list, not a map: its order is the errors' order, the same on every try.
		for _, f := range []struct{ name, value string }{{"apiVersion", w.APIVersion}, {"kind", w.Kind}, {"name", w.Name}} {
			if f.value == "" {
				errs = append(errs, field.Required(p.Child(f.name), ""))
			}
		}
	}
	errs = append(errs, metav1validation.ValidateConditions(s.Conditions, path.Child("conditions"))...)
	return errs
}

func validateName(name string, path *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	var errs field.ErrorList
	for _, msg := range utilvalidation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(path, name, msg))
	}
	return errs
}
