package apiserver

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	dmsinstall "github.com/netweave-io/netweave/apis/o2dms/install"
	"github.com/netweave-io/netweave/apis/o2ims/install"
)

// NewScheme returns a scheme with the o2ims.oran.org and o2dms.oran.org groups, internal and
// versioned, and the
// unversioned meta types every API server serves, plus its codec factory.
func NewScheme() (*runtime.Scheme, serializer.CodecFactory) {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	dmsinstall.Install(scheme)
	// Options such as ListOptions and DeleteOptions are decoded from query parameters as meta/v1.
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	unversioned := schema.GroupVersion{Group: "", Version: "v1"}
	scheme.AddUnversionedTypes(unversioned,
		&metav1.Status{},
		&metav1.APIVersions{},
		&metav1.APIGroupList{},
		&metav1.APIGroup{},
		&metav1.APIResourceList{},
	)
	return scheme, serializer.NewCodecFactory(scheme)
}

// StorageCodec is the codec objects are stored in Redis with: each group's served version.
func StorageCodec(codecs serializer.CodecFactory) runtime.Codec {
	return codecs.LegacyCodec(ServedGroupVersions()...)
}

// withoutProtobuf offers the group's media types except protobuf, which its types do not
// implement. Clients that prefer protobuf and fall back to JSON (the metadata client of
// kube-controller-manager's namespace and garbage collectors among them) must be told so in
// negotiation: offered protobuf, a deletecollection answered with the full list failed to
// encode, and deleting a namespace that held O2 objects never completed.
// Its decoders, which read request bodies only, refuse numbers beyond float64 (finiteNumbers).
type withoutProtobuf struct{ runtime.NegotiatedSerializer }

func (s withoutProtobuf) SupportedMediaTypes() []runtime.SerializerInfo {
	var out []runtime.SerializerInfo
	for _, info := range s.NegotiatedSerializer.SupportedMediaTypes() {
		if info.MediaType == runtime.ContentTypeProtobuf {
			continue
		}
		if info.Serializer != nil {
			info.Serializer = finiteNumbers{info.Serializer}
		}
		if info.StrictSerializer != nil {
			info.StrictSerializer = finiteNumbers{info.StrictSerializer}
		}
		out = append(out, info)
	}
	return out
}
