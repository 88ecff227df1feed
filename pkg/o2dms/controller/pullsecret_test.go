package controller

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	v1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	"github.com/netweave-io/netweave/pkg/helmrelease"
)

// TestPullSecretSource: a descriptor's pullSecretRef gives the chart source the Secret's
// username and password from the descriptor's own namespace; a missing or empty Secret is an
// error naming it, never a fetch without credentials.
func TestPullSecretSource(t *testing.T) {
	kube := fake.NewSimpleClientset(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "pull", Namespace: "tenant-a"}, Data: map[string][]byte{"username": []byte("u"), "password": []byte("p")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "empty", Namespace: "tenant-a"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "pull", Namespace: "tenant-b"}, Data: map[string][]byte{"username": []byte("b")}},
	)
	c := &Controller{cfg: Config{Kube: kube}}
	desc := func(secret string) *v1alpha1.NfDeploymentDescriptor {
		d := &v1alpha1.NfDeploymentDescriptor{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "tenant-a"},
			Spec: v1alpha1.NfDeploymentDescriptorSpec{Version: "1.0.0",
				Chart: v1alpha1.ChartSource{Repository: &v1alpha1.RepositoryChartSource{URL: "https://charts.example", Name: "nf"}}}}
		if secret != "" {
			d.Spec.PullSecretRef = &v1alpha1.LocalObjectReference{Name: secret}
		}
		return d
	}
	ctx := context.Background()
	src, err := c.source(ctx, desc("pull"))
	if err != nil || src.Username != "u" || src.Password != "p" || src.RepoURL != "https://charts.example" || src.Name != "nf" {
		t.Errorf("with secret: %+v %v", src, err)
	}
	if src, err := c.source(ctx, desc("")); err != nil || src.Username != "" || src.Password != "" {
		t.Errorf("without secret: %+v %v", src, err)
	}
	for _, name := range []string{"missing", "empty"} {
		if _, err := c.source(ctx, desc(name)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("secret %s: %v", name, err)
		}
	}
}

type countingFetcher struct{ calls int }

func (f *countingFetcher) Fetch(context.Context, helmrelease.Source) (*helmrelease.Fetched, error) {
	f.calls++
	return &helmrelease.Fetched{}, nil
}

// TestChartCacheKeysCredentials: a chart fetched with one set of pull credentials is not
// served from the cache to a source with other credentials or none.
func TestChartCacheKeysCredentials(t *testing.T) {
	f := &countingFetcher{}
	cache := NewChartCache(f, 8)
	ctx := context.Background()
	base := helmrelease.Source{RepoURL: "https://charts.example", Name: "nf", Version: "1.0.0"}
	withA, withB := base, base
	withA.Username, withA.Password = "a", "secret-a"
	withB.Username, withB.Password = "b", "secret-b"
	for _, src := range []helmrelease.Source{withA, withA, withB, base, base} {
		if _, err := cache.Fetch(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	if f.calls != 3 {
		t.Errorf("%d fetches, want 3 (one per distinct credentials)", f.calls)
	}
}
