//go:build etcdbench

package redis

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/etcd3"
	"k8s.io/apiserver/pkg/storage/etcd3/testserver"
	"k8s.io/apiserver/pkg/storage/value/encrypt/identity"
	"k8s.io/utils/clock"
)

// The same benchmarks against etcd3 on an embedded etcd, for comparison.
// Behind a build tag because the embedded etcd server is a heavy dependency
// that ordinary test builds should not compile:
//
//	go test -tags etcdbench ./pkg/storage/redis -run '^$' -bench . -benchtime 2000x
func BenchmarkEtcd3Store(b *testing.B) {
	runStoreBenchmarks(b, func(b *testing.B) storage.Interface {
		client := testserver.RunEtcd(b, nil)
		codec := apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)
		versioner := storage.APIObjectVersioner{}
		compactor := etcd3.NewCompactor(client.Client, 0, clock.RealClock{}, nil)
		b.Cleanup(compactor.Stop)
		s, err := etcd3.New(client, compactor, codec,
			func() runtime.Object { return &example.Pod{} },
			func() runtime.Object { return &example.PodList{} },
			"", "/pods/", schema.GroupResource{Resource: "pods"},
			identity.NewEncryptCheckTransformer(), etcd3.NewDefaultLeaseManagerConfig(),
			etcd3.NewDefaultDecoder(codec, versioner), versioner)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
