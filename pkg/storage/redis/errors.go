package redis

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/storage"
)

// Messages match etcd3's so clients and tests see identical 410 bodies.
const (
	expiredListMessage  = "The resourceVersion for the provided list is too old."
	expiredWatchMessage = "The resourceVersion for the provided watch is too old."
	continueExpired     = "The provided continue parameter is too old " +
		"to display a consistent list result. You can start a new list without " +
		"the continue parameter."
	inconsistentContinue = "The provided continue parameter is too old " +
		"to display a consistent list result. You can start a new list without " +
		"the continue parameter, or use the continue token in this response to " +
		"retrieve the remainder of the results. Continuing with the provided " +
		"token results in an inconsistent list - objects that were created, " +
		"modified, or deleted between the time the first chunk was returned " +
		"and now may show up in the list."
)

// inconsistentContinueError is the 410 for a continue token whose snapshot
// was compacted; it carries a token with rv=-1 that continues at the latest
// revision, as etcd3 does.
func inconsistentContinueError(continueKey, keyPrefix string) error {
	newToken, err := storage.EncodeContinue(continueKey, keyPrefix, -1)
	if err != nil {
		utilruntime.HandleError(err)
		return apierrors.NewResourceExpired(continueExpired)
	}
	statusError := apierrors.NewResourceExpired(inconsistentContinue)
	statusError.ErrStatus.ListMeta.Continue = newToken
	return statusError
}
