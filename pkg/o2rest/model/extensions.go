package model

import "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"

// ExtensionsObject is the extensions attribute of a document built outside this package (the
// notifier's AlarmEventNotification), decoded exactly as the documents of this package decode
// theirs.
func ExtensionsObject(ext v1alpha1.Extensions) map[string]any { return extensionsObject(ext) }
