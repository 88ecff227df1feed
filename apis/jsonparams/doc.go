// Package jsonparams checks free-form parameters (JSON objects) against a JSON schema and
// merges them over defaults, for every API group that takes them: an O2-DMS NfDeployment's
// Helm values against its descriptor's parametersSchema, an O2-IMS ProvisioningRequest's
// templateParameters against its template's parameterSchema. Errors are field errors at the
// JSON place below the caller's path, so a 422 names exactly what to fix.
//
// Schemas are checked with santhosh-tekuri/jsonschema, the library Helm itself validates
// values against values.schema.json with, so what admission accepts Helm accepts. OpenAPI v3
// schemas (Cluster API variables) are JSON schemas for the keywords they share; the others
// (nullable, x-kubernetes-*) are annotations the library ignores.
package jsonparams
