package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	o2v1 "github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/generated/clientset/versioned"
	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
	"github.com/netweave-io/netweave/test/redisserver"
)

// chartLeases are the chart's lease timings in this test, short so the hand-over is quick.
const (
	chartLeaseDuration = 6 * time.Second
	chartRenewDeadline = 4 * time.Second
	chartRetryPeriod   = time.Second
)

// TestChartReplicas runs what the chart deploys: it renders charts/netweave (three replicas,
// the self-signed serving certificate, a standalone Redis), applies the rendered objects, and
// starts three netweave processes with exactly the container's args and the files of the
// rendered Secrets it mounts. Only what a pod gets from the cluster is substituted: ports and
// addresses on loopback instead of a pod network, the ServiceAccount's kubeconfig instead of
// in-cluster credentials, and an ExternalName Service at 127.0.0.1 for the rendered
// netweave-api Service (no nodes route a ClusterIP here). The rendered APIService becomes
// Available with the rendered caBundle; the replicas serve both faces from one Redis
// consistently; exactly one leads each controller; and when the leader is killed, another
// takes over within the lease time.
func TestChartReplicas(t *testing.T) {
	// Runs alone, before the parallel tests: see main_test.go.
	c := newChartRenderer(t)
	bin, err := localstack.OutputBinary("netweave")
	if err != nil {
		t.Fatalf("%v (run 'make test-e2e', which builds it)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cp := stacktest.StartControlPlane(t, localstack.Options{})
	redis := redisserver.Start(t)
	admin := cp.Kubeconfig(localstack.Admin)

	const replicas = 3
	ports, o2Ports := make([]int, replicas), make([]int, replicas)
	for i := range ports {
		if ports[i], err = localstack.FreePort(); err != nil {
			t.Fatal(err)
		}
		if o2Ports[i], err = localstack.FreePort(); err != nil {
			t.Fatal(err)
		}
	}
	manifests, err := c.render(map[string]string{
		"replicas":                     "3",
		"redis.address":                strconv.Quote(redis.Addr()),
		"o2ims.apiRoot":                strconv.Quote(localstack.O2APIRoot(o2Ports[0])),
		"leaderElection.leaseDuration": strconv.Quote(chartLeaseDuration.String()),
		"leaderElection.renewDeadline": strconv.Quote(chartRenewDeadline.String()),
		"leaderElection.retryPeriod":   strconv.Quote(chartRetryPeriod.String()),
	})
	if err != nil {
		t.Fatalf("render: %v\n%s", err, manifests)
	}
	objs := parseManifests(t, manifests)

	// Everything the chart renders goes to the cluster, as helm install would send it; the
	// netweave-api Service and the APIService's port are the environment's substitutions.
	if out, stderr, err := localstack.Kubectl(ctx, admin, "create", "namespace", chartNamespace); err != nil {
		t.Fatalf("create namespace: %v\n%s%s", err, out, stderr)
	}
	var apply []string
	var apiService map[string]any
	for _, o := range objs {
		switch {
		case o.kind() == "Service" && o.name() == "netweave-api":
			o.obj["spec"] = map[string]any{"type": "ExternalName", "externalName": "127.0.0.1"}
		case o.kind() == "APIService":
			apiService = o.obj
			o.obj["spec"].(map[string]any)["service"].(map[string]any)["port"] = ports[0]
		}
		b, err := yaml.Marshal(o.obj)
		if err != nil {
			t.Fatal(err)
		}
		apply = append(apply, string(b))
	}
	if apiService == nil {
		t.Fatal("the chart renders no APIService")
	}
	if out, stderr, err := localstack.KubectlWithInput(ctx, admin, strings.NewReader(strings.Join(apply, "---\n")),
		"apply", "--server-side", "--field-manager=helm", "-f", "-"); err != nil {
		t.Fatalf("apply the rendered manifests: %v\n%s%s", err, out, stderr)
	}
	kubeconfig, err := cp.ServiceAccountKubeconfig(ctx, chartNamespace, "netweave")
	if err != nil {
		t.Fatal(err)
	}

	container, files := deployedContainer(t, objs)
	procs := make([]*localstack.Process, replicas)
	for i := range procs {
		argv := chartArgv(t, bin, container, files, ports[i], o2Ports[i], kubeconfig)
		if i == 0 {
			t.Logf("netweave as the chart runs it: %s", strings.Join(argv[1:], " "))
		}
		procs[i] = stacktest.StartProcess(t, localstack.ProcessOptions{
			Name: fmt.Sprintf("netweave-%d", i), Argv: argv,
			LogPath: filepath.Join(cp.Dir, fmt.Sprintf("netweave-%d.log", i)),
		})
	}
	if err := localstack.WaitForAPIServiceAvailable(ctx, cp.RESTConfig(localstack.Admin), 2*time.Minute); err != nil {
		t.Fatalf("the rendered APIService is not Available: %v", err)
	}

	// Clients of each replica, trusting the CA the chart generated, as the aggregator does.
	ca := renderedCA(t, objs)
	token := cp.RESTConfig(localstack.Admin).BearerToken
	direct := make([]versioned.Interface, replicas)
	for i, p := range ports {
		direct[i] = versioned.NewForConfigOrDie(&rest.Config{Host: "https://127.0.0.1:" + strconv.Itoa(p), BearerToken: token,
			TLSClientConfig: rest.TLSClientConfig{CAData: ca, ServerName: "netweave-api." + chartNamespace + ".svc"}})
	}
	o2 := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: certPool(t, ca), ServerName: "netweave-o2ims." + chartNamespace + ".svc", MinVersion: tls.VersionTLS12}}}
	o2Get := func(port int, path string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, localstack.O2APIRoot(port)+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := o2.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, err.Error()
		}
		return resp.StatusCode, string(b)
	}

	t.Run("the replicas serve both faces consistently", func(t *testing.T) {
		// A write through one replica is read back from every replica, on both faces.
		loc := &o2v1.Location{ObjectMeta: metav1.ObjectMeta{Name: "chart-loc"}, Spec: o2v1.LocationSpec{
			GlobalLocationID: "chart-loc-1", Name: "Chart location", Description: "written through replica 1"}}
		if _, err := direct[1].O2imsV1alpha1().Locations(chartNamespace).Create(ctx, loc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		for i := range direct {
			eventually(t, syncWait, fmt.Sprintf("replica %d serves the Location on both faces", i), func() error {
				if _, err := direct[i].O2imsV1alpha1().Locations(chartNamespace).Get(ctx, "chart-loc", metav1.GetOptions{}); err != nil {
					return err
				}
				code, body := o2Get(o2Ports[i], "/o2ims-infrastructureInventory/v2/locations/chart-loc-1")
				if code != http.StatusOK {
					return fmt.Errorf("O2 GET: %d %s", code, body)
				}
				return nil
			})
		}
	})

	kube := kubernetes.NewForConfigOrDie(cp.RESTConfig(localstack.Admin))
	leaders := func(lease string) []int {
		var out []int
		for i, p := range ports {
			select {
			case <-procs[i].Exited():
				continue
			default:
			}
			m := newMetricsReader(t, p, ca, "netweave-api."+chartNamespace+".svc", token)
			if m.value(t, "leader_election_master_status", fmt.Sprintf(`name=%q`, lease)) == 1 {
				out = append(out, i)
			}
		}
		return out
	}
	leader := map[string]int{}
	t.Run("exactly one replica leads each controller", func(t *testing.T) {
		for _, lease := range []string{"netweave-inventory", "netweave-notifier"} {
			eventually(t, syncWait, "one leader of "+lease, func() error {
				l := leaders(lease)
				if len(l) != 1 {
					return fmt.Errorf("replicas leading: %v", l)
				}
				leader[lease] = l[0]
				return nil
			})
		}
	})

	t.Run("killing the leader hands over within the lease time", func(t *testing.T) {
		old, ok := leader["netweave-inventory"]
		if !ok {
			t.Fatal("no leader to kill")
		}
		killed := time.Now()
		if err := procs[old].Kill(); err != nil {
			t.Fatal(err)
		}
		// Each controller whose leader was killed is taken over; the first replica started
		// usually led both.
		took := map[string]time.Duration{}
		for lease, l := range leader {
			if l != old {
				continue
			}
			eventually(t, chartLeaseDuration+30*time.Second, "another replica leads "+lease, func() error {
				l := leaders(lease)
				if len(l) != 1 || l[0] == old {
					return fmt.Errorf("replicas leading: %v", l)
				}
				took[lease] = time.Since(killed)
				return nil
			})
		}
		// The new leader writes: a Node added now becomes a Resource.
		survivor := invClients{kube: kube, o2: direct[(old+1)%replicas]}
		survivor.createNode(t, "chart-node", "zone-a", "small", true)
		survivor.waitResource(t, chartNamespace, "chart-node", nil)
		writing := time.Since(killed)
		t.Logf("leader killed (lease %s, retry %s): taken over after %v; the new inventory leader's sync writes after %s",
			chartLeaseDuration, chartRetryPeriod, took, writing.Round(10*time.Millisecond))
		// The lease expires leaseDuration after the last renewal (at most retryPeriod before
		// the kill); a replica retrying every retryPeriod takes it by then. The rest is slack
		// for a loaded 2-core machine.
		for lease, d := range took {
			if bound := chartLeaseDuration + 2*chartRetryPeriod + 5*time.Second; d > bound {
				t.Errorf("%s: hand-over took %s, more than the lease time allows (%s)", lease, d, bound)
			}
		}
	})
}

// manifest is one rendered object.
type manifest struct{ obj map[string]any }

func (m manifest) kind() string { s, _ := m.obj["kind"].(string); return s }
func (m manifest) name() string {
	md, _ := m.obj["metadata"].(map[string]any)
	s, _ := md["name"].(string)
	return s
}

func parseManifests(t *testing.T, text string) []manifest {
	t.Helper()
	var out []manifest
	for _, doc := range strings.Split(text, "\n---") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("parse rendered manifest: %v\n%s", err, doc)
		}
		if len(obj) > 0 {
			out = append(out, manifest{obj})
		}
	}
	return out
}

func (m manifest) decode(t *testing.T, into any) {
	t.Helper()
	b, err := yaml.Marshal(m.obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}

// deployedContainer returns the netweave container of the rendered Deployment and, for each of
// its volume mounts, a directory holding what the volume holds: the files of a rendered Secret
// or ConfigMap (a mount of one the chart does not render fails the test), or an empty
// directory.
func deployedContainer(t *testing.T, objs []manifest) (corev1.Container, map[string]string) {
	t.Helper()
	var dep struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	secrets, configMaps := map[string]corev1.Secret{}, map[string]corev1.ConfigMap{}
	found := false
	for _, o := range objs {
		switch o.kind() {
		case "Deployment":
			if o.name() == "netweave" {
				o.decode(t, &dep)
				found = true
			}
		case "Secret":
			var s corev1.Secret
			o.decode(t, &s)
			secrets[s.Name] = s
		case "ConfigMap":
			var c corev1.ConfigMap
			o.decode(t, &c)
			configMaps[c.Name] = c
		}
	}
	if !found || len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatal("the chart renders no netweave Deployment with one container")
	}
	pod := dep.Spec.Template.Spec
	container := pod.Containers[0]
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	files := map[string]string{}
	for _, m := range container.VolumeMounts {
		v, ok := volumes[m.Name]
		if !ok {
			t.Fatalf("mount %s names no volume", m.Name)
		}
		dir := t.TempDir()
		write := func(key string, data []byte, items []corev1.KeyToPath) {
			path := key
			if len(items) > 0 {
				path = ""
				for _, it := range items {
					if it.Key == key {
						path = it.Path
					}
				}
				if path == "" {
					return
				}
			}
			if err := os.WriteFile(filepath.Join(dir, path), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		switch {
		case v.Secret != nil:
			s, ok := secrets[v.Secret.SecretName]
			if !ok {
				t.Fatalf("the Deployment mounts Secret %s, which the chart does not render", v.Secret.SecretName)
			}
			for k, d := range s.Data {
				write(k, d, v.Secret.Items)
			}
		case v.ConfigMap != nil:
			c, ok := configMaps[v.ConfigMap.Name]
			if !ok {
				t.Fatalf("the Deployment mounts ConfigMap %s, which the chart does not render", v.ConfigMap.Name)
			}
			for k, d := range c.Data {
				write(k, []byte(d), v.ConfigMap.Items)
			}
		case v.EmptyDir != nil:
		default:
			t.Fatalf("volume %s: a kind this test cannot provide", v.Name)
		}
		files[m.MountPath] = dir
	}
	return container, files
}

// chartArgv is the container's command line with the environment's substitutions: mount paths
// become the directories holding their files; the ports become free loopback ports; and what a
// pod gets from the cluster (an address to bind, in-cluster credentials) is added.
func chartArgv(t *testing.T, bin string, c corev1.Container, files map[string]string, port, o2Port int, kubeconfig string) []string {
	t.Helper()
	env := containerEnv(t, c)
	argv := []string{bin}
	for _, a := range c.Args {
		// The kubelet expands $(VAR) in args from the container's environment.
		for name, v := range env {
			a = strings.ReplaceAll(a, "$("+name+")", v)
		}
		switch {
		case strings.HasPrefix(a, "--secure-port="):
			a = "--secure-port=" + strconv.Itoa(port)
		case strings.HasPrefix(a, "--o2ims-secure-port="):
			a = "--o2ims-secure-port=" + strconv.Itoa(o2Port)
		}
		for mount, dir := range files {
			if name, path, ok := strings.Cut(a, "="); ok && strings.HasPrefix(path, mount+"/") {
				a = name + "=" + dir + strings.TrimPrefix(path, mount)
				break
			}
		}
		argv = append(argv, a)
	}
	return append(argv, "--bind-address=127.0.0.1", "--o2ims-bind-address=127.0.0.1",
		"--kubeconfig="+kubeconfig, "--authentication-kubeconfig="+kubeconfig, "--authorization-kubeconfig="+kubeconfig)
}

// containerEnv resolves the container's environment as the kubelet would for what the chart
// sets: literal values, and the container's own memory limit through the downward API
// (memoryLimitFromContainer). Anything else fails the test, which would not provide it.
func containerEnv(t *testing.T, c corev1.Container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.Env {
		switch ref := e.ValueFrom; {
		case ref == nil:
			env[e.Name] = e.Value
		case ref.ResourceFieldRef != nil && ref.ResourceFieldRef.Resource == "limits.memory":
			limit, ok := c.Resources.Limits[corev1.ResourceMemory]
			if !ok {
				t.Fatalf("%s reads limits.memory, which the container does not set", e.Name)
			}
			divisor := ref.ResourceFieldRef.Divisor
			if divisor.IsZero() {
				divisor = resource.MustParse("1")
			}
			env[e.Name] = strconv.FormatInt(limit.Value()/divisor.Value(), 10)
		default:
			t.Fatalf("the container has environment variable %s from %v, which this test does not provide", e.Name, ref)
		}
	}
	return env
}

// renderedCA is the caBundle of the rendered APIService, decoded.
func renderedCA(t *testing.T, objs []manifest) []byte {
	t.Helper()
	for _, o := range objs {
		if o.kind() == "APIService" {
			b64, _ := o.obj["spec"].(map[string]any)["caBundle"].(string)
			ca, err := base64.StdEncoding.DecodeString(b64)
			if err != nil || len(ca) == 0 {
				t.Fatalf("the APIService's caBundle %q: %v", b64, err)
			}
			return ca
		}
	}
	t.Fatal("no APIService rendered")
	return nil
}

func certPool(t *testing.T, pem []byte) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in the CA bundle")
	}
	return pool
}
