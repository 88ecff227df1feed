package controller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
	o2fake "github.com/netweave-io/netweave/generated/clientset/versioned/fake"
	o2dmslisters "github.com/netweave-io/netweave/generated/listers/o2dms/v1alpha1"
	o2imslisters "github.com/netweave-io/netweave/generated/listers/o2ims/v1alpha1"
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
	cache := NewChartCache(f, 8, 0, nil)
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

// TestRegressionPullSecretFailureHidesCause: the FAILED status of an NfDeployment whose
// descriptor names a pull Secret that cannot be used said why ("secrets \"x\" not found",
// forbidden, no keys), telling whoever may read the NfDeployment which Secrets exist. The
// status now says the same for every cause; the cause goes to the log.
func TestRegressionPullSecretFailureHidesCause(t *testing.T) {
	ctx := context.Background()
	desc := &v1alpha1.NfDeploymentDescriptor{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "tenant-a"},
		Spec: v1alpha1.NfDeploymentDescriptorSpec{Version: "1.0.0", PullSecretRef: &v1alpha1.LocalObjectReference{Name: "pull"},
			Chart: v1alpha1.ChartSource{Repository: &v1alpha1.RepositoryChartSource{URL: "https://charts.example", Name: "nf"}}}}
	descriptors := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if err := descriptors.Add(desc); err != nil {
		t.Fatal(err)
	}
	nf := &v1alpha1.NfDeployment{ObjectMeta: metav1.ObjectMeta{Name: "nf", Namespace: "tenant-a", Generation: 1},
		Spec: v1alpha1.NfDeploymentSpec{DescriptorRef: v1alpha1.DescriptorReference{Name: "d"}, DeploymentManagerID: "dm", TargetNamespace: "tenant-a"}}
	forbidden := fake.NewSimpleClientset()
	forbidden.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "pull", errors.New("RBAC says no"))
	})
	causes := map[string]*fake.Clientset{
		"missing":   fake.NewSimpleClientset(),
		"forbidden": forbidden,
		"no keys":   fake.NewSimpleClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "pull", Namespace: "tenant-a"}, Data: map[string][]byte{"token": []byte("t")}}),
	}
	var messages []string
	for cause, kube := range causes {
		client := o2fake.NewSimpleClientset(nf.DeepCopy())
		c := New(Config{Kube: kube, Client: client, Now: func() time.Time { return time.Unix(0, 0) }})
		c.descriptors = o2dmslisters.NewNfDeploymentDescriptorLister(descriptors)
		c.managers = o2imslisters.NewDeploymentManagerLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}))
		d, err := c.deploy(ctx, nf.DeepCopy())
		var f *failure
		if !errors.As(err, &f) || f.reason != "PullSecretUnreadable" {
			t.Fatalf("%s: %v, want a PullSecretUnreadable failure", cause, err)
		}
		if err := c.failed(ctx, d, f); err != nil {
			t.Fatal(err)
		}
		stored, err := client.O2dmsV1alpha1().NfDeployments("tenant-a").Get(ctx, "nf", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		msg := stored.Status.Message
		if !strings.Contains(msg, `"pull"`) || strings.Contains(msg, "not found") || strings.Contains(msg, "forbidden") || strings.Contains(msg, "RBAC") {
			t.Errorf("%s: status message %q, want the secret named and no cause", cause, msg)
		}
		if c := stored.Status.Conditions; len(c) != 1 || c[0].Message != msg {
			t.Errorf("%s: conditions %+v, want Ready saying %q", cause, c, msg)
		}
		messages = append(messages, msg)
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Errorf("status messages differ by cause: %q", messages)
			break
		}
	}
}

// TestChartUnavailableSaysClassOnly: a failed chart fetch's status names the class of the
// failure, not the address dialed, the system's error text or the source's answer.
func TestChartUnavailableSaysClassOnly(t *testing.T) {
	desc := &v1alpha1.NfDeploymentDescriptor{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "tenant-a"},
		Spec: v1alpha1.NfDeploymentDescriptorSpec{Version: "1.0.0",
			Chart: v1alpha1.ChartSource{Repository: &v1alpha1.RepositoryChartSource{URL: "http://charts.internal", Name: "nf"}}}}
	dial := &url.Error{Op: "Get", URL: "http://charts.internal/index.yaml", Err: &net.OpError{Op: "dial", Net: "tcp",
		Addr: &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 6379}, Err: syscall.ECONNREFUSED}}
	var f *failure
	if !errors.As(chartUnavailable(desc, fmt.Errorf("read the index: %w", dial)), &f) || f.reason != "ChartUnavailable" {
		t.Fatalf("not a ChartUnavailable failure: %v", f)
	}
	msg := f.statusMessage()
	if !strings.Contains(msg, helmrelease.ClassConnection) || strings.Contains(msg, "10.1.2.3") || strings.Contains(msg, "refused") {
		t.Errorf("status message %q, want the class %q only", msg, helmrelease.ClassConnection)
	}
	if !strings.Contains(f.Error(), "10.1.2.3") {
		t.Errorf("the logged error %q lost the cause", f.Error())
	}
}
