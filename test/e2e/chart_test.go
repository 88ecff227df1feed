package e2e

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/netweave-io/netweave/internal/localstack"
	"github.com/netweave-io/netweave/internal/localstack/stacktest"
)

// chartNamespace is the release namespace the chart tests render into.
const chartNamespace = "o2ims-system"

// TestChart checks charts/netweave, the one source of the install manifests: it lints for every
// documented values combination (the chart's ci/ files and the values artifacts/deploy is
// rendered with), every documented value changes what the chart renders, and the rendered
// manifests of every combination pass a server-side dry-run apply on a real kube-apiserver
// (with the cert-manager and Prometheus Operator CRDs the optional objects need).
func TestChart(t *testing.T) {
	t.Parallel()
	c := newChartRenderer(t)
	combos := c.combinations(t)

	t.Run("helm lint --strict", func(t *testing.T) {
		for _, f := range combos {
			if out, err := c.helm("lint", "--strict", c.chart, "--namespace", chartNamespace, "--values", f); err != nil {
				t.Errorf("lint with %s: %v\n%s", filepath.Base(f), err, out)
			}
		}
	})

	t.Run("every documented value changes the manifests", func(t *testing.T) {
		c.checkValues(t)
	})

	t.Run("bad values fail the render with a message", func(t *testing.T) {
		for _, tc := range []struct {
			path, value, want string
			with              map[string]string
		}{
			{"tls.mode", `"bogus"`, "tls.mode must be selfSigned, certManager or secret", nil},
			// TestRegressionProfileTokensForTheInventoryNamespace, the chart's side.
			{"o2ims.profileLocalNamespaces", `["smo-a","` + chartNamespace + `"]`, "o2ims.profileLocalNamespaces must not name the release namespace", nil},
			{"tls.mode", `"secret"`, "tls.mode=secret needs tls.caBundle", nil},
			{"redis.mode", `"sentinel"`, "redis.mode=sentinel needs redis.sentinel.addresses", nil},
			{"redis.mode", `"bundled"`, "redis.mode=bundled needs redis.passwordSecret.name", nil},
			// The bundled Redis has no TLS and only its default user: either made netweave
			// never ready (TLS handshake with a plaintext server, or WRONGPASS) instead of
			// failing the install.
			{"redis.tls.enabled", "true", "redis.mode=bundled runs Redis without TLS", map[string]string{"redis.mode": `"bundled"`, "redis.passwordSecret.name": `"pw"`}},
			{"redis.username", `"netweave"`, "redis.mode=bundled has only Redis's default user", map[string]string{"redis.mode": `"bundled"`, "redis.passwordSecret.name": `"pw"`}},
			{"redis.sentinel.username", `"netweave-sentinel"`, "redis.sentinel.username needs redis.sentinel.passwordSecret.name", map[string]string{"redis.mode": `"sentinel"`, "redis.sentinel.addresses": `["s:26379"]`}},
			{"o2ims.requireClientCert", "true", "o2ims.requireClientCert needs o2ims.clientCA.configMap", nil},
			{"notifier.oauth2.tokenURL", `"https://t/x"`, "notifier.oauth2.clientSecretSecret is required", nil},
			{"notifier.oauth2.tokenURL", `"http://t/x"`, "notifier.oauth2.tokenURL must be an https URL", nil},
			{"flowControl.priorityLevel", `""`, "flowControl.priorityLevel names the PriorityLevelConfiguration", nil},
			{"flowControl.leaderElectionPriorityLevel", `""`, "flowControl.leaderElectionPriorityLevel names the PriorityLevelConfiguration", nil},
			{"flowControl.matchingPrecedence", "0", "flowControl.matchingPrecedence must be between 1 and 10000, not 0", nil},
		} {
			set := map[string]string{tc.path: tc.value}
			maps.Copy(set, tc.with)
			out, err := c.render(set)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("--set-json %s=%s: err %v, output %q; want an error saying %q", tc.path, tc.value, err, out, tc.want)
			}
		}
	})

	// TestRegressionWrongTypedValuesRenderSilently: the chart had no values.schema.json, so a
	// value of the wrong type or a misspelt key rendered without a word: --set replicas=abc
	// gave "replicas: abc" and --set nodeSelector=foo a nodeSelector the API server refuses
	// only at install, and --set replica=3 (or podDisruptionBudget.maxUnavaliable) was ignored.
	t.Run("TestRegressionWrongTypedValuesRenderSilently", func(t *testing.T) {
		for _, tc := range []struct{ path, value, want string }{
			{"replicas", `"abc"`, "at '/replicas': got string, want integer"},
			{"nodeSelector", `"foo"`, "at '/nodeSelector': got string, want object"},
			{"tolerations", `"x"`, "at '/tolerations': got string, want array"},
			{"o2ims.service.port", `"https"`, "at '/o2ims/service/port': got string, want integer"},
			{"redis.sentinel.addresses", `"s:26379"`, "at '/redis/sentinel/addresses': got string, want array"},
			{"notifier.enabled", `"false"`, "at '/notifier/enabled': got string, want boolean"},
			{"replica", "3", "additional properties 'replica' not allowed"},
			{"podDisruptionBudget.maxUnavaliable", "0", "additional properties 'maxUnavaliable' not allowed"},
		} {
			out, err := c.render(map[string]string{tc.path: tc.value})
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("--set-json %s=%s rendered (err %v, output %.300q...); want an error saying %q", tc.path, tc.value, err, out, tc.want)
			}
		}
		// What the schema must still let through: a numeric image tag, a percentage budget.
		for _, set := range []map[string]string{{"image.tag": "1.2"}, {"podDisruptionBudget.maxUnavailable": `"50%"`}} {
			if out, err := c.render(set); err != nil {
				t.Errorf("render %v: %v\n%s", set, err, out)
			}
		}
	})

	// TestRegressionBundledSentinelsRequireThePassword: the bundled Sentinels answered any pod
	// without a password, so any tenant able to start a pod could name its own server the
	// primary (SENTINEL MONITOR) and receive netweave's Redis password and store.
	t.Run("bundled Redis: Sentinels require the password and only netweave reaches them", func(t *testing.T) {
		out, err := c.render(map[string]string{"redis.mode": `"bundled"`, "redis.passwordSecret.name": `"pw"`})
		if err != nil {
			t.Fatalf("render: %v\n%s", err, out)
		}
		for _, want := range []string{`echo "requirepass $REDIS_PASSWORD"`, `echo "sentinel sentinel-pass $REDIS_PASSWORD"`,
			`export REDISCLI_AUTH="$REDIS_PASSWORD"`, "kind: NetworkPolicy\nmetadata:\n  name: netweave-redis",
			// Redis calls no Kubernetes API: no token is mounted into its pods.
			"automountServiceAccountToken: false"} {
			if !strings.Contains(out, want) {
				t.Errorf("bundled render lacks %q", want)
			}
		}
	})

	// Every file a flag of netweave's names is in a volume the chart mounts: a flag added to
	// the args without its mount (or mounted elsewhere) renders and lints, and the pod then
	// fails at start on a file that is not there.
	t.Run("every file a flag names is mounted", func(t *testing.T) {
		out, err := c.render(map[string]string{
			"redis.mode": `"sentinel"`, "redis.sentinel.addresses": `["s:26379"]`,
			"redis.passwordSecret.name": `"pw"`, "redis.sentinel.passwordSecret.name": `"spw"`,
			"redis.tls.enabled": "true", "redis.tls.secretName": `"redis-tls"`, "redis.tls.clientCert": "true",
			"o2ims.clientCA.configMap": `"smo-ca"`, "notifier.clientCertSecret": `"hook-cert"`,
			"notifier.oauth2.tokenURL": `"https://t/x"`, "notifier.oauth2.clientSecretSecret": `"oauth"`,
			"smoRegistration.url": `"https://smo.example.net/register"`, "smoRegistration.caConfigMap": `"smo-reg-ca"`,
			"smoRegistration.clientCertSecret": `"smo-reg-cert"`, "tracing.enabled": "true",
		})
		if err != nil {
			t.Fatalf("render: %v\n%s", err, out)
		}
		var deployment struct {
			Kind string
			Spec struct {
				Template struct {
					Spec struct {
						Containers []struct {
							Name         string
							Args         []string
							VolumeMounts []struct{ MountPath string } `json:"volumeMounts"`
						}
					}
				}
			}
		}
		for _, doc := range strings.Split(out, "\n---\n") {
			if err := yaml.Unmarshal([]byte(doc), &deployment); err == nil && deployment.Kind == "Deployment" {
				break
			}
			deployment.Kind = ""
		}
		if deployment.Kind == "" || len(deployment.Spec.Template.Spec.Containers) == 0 {
			t.Fatalf("no Deployment rendered:\n%s", out)
		}
		files := 0
		for _, ctr := range deployment.Spec.Template.Spec.Containers {
			for _, arg := range ctr.Args {
				flag, path, ok := strings.Cut(arg, "=")
				if !ok || !strings.HasPrefix(path, "/") || !strings.HasSuffix(flag, "-file") {
					continue
				}
				files++
				if !slices.ContainsFunc(ctr.VolumeMounts, func(m struct{ MountPath string }) bool {
					return strings.HasPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/")
				}) {
					t.Errorf("container %s: %s names a file in no volume mounted there", ctr.Name, arg)
				}
			}
		}
		// The values above turn on every file flag the chart has (each a volume of its own).
		if files < 15 {
			t.Errorf("only %d file flags rendered; the values above should turn on every one", files)
		}
	})

	// TestRegressionIngressInstallAnnouncesTheInClusterAddress: with the Ingress on and no
	// o2ims.apiRoot, netweave told SMOs (the O-Cloud's serviceUri, the IMS_EP it registers)
	// the Service's in-cluster name, which no SMO outside the cluster resolves. The Ingress's
	// host is now the default; with neither, registering with an SMO warns at install.
	t.Run("TestRegressionIngressInstallAnnouncesTheInClusterAddress", func(t *testing.T) {
		const smo = `"https://smo.example.net/register"`
		for _, tc := range []struct {
			set  map[string]string
			want string
			warn bool
		}{
			{map[string]string{"o2ims.ingress.enabled": "true", "o2ims.ingress.host": `"o2.example.net"`, "smoRegistration.url": smo}, "https://o2.example.net", false},
			{map[string]string{"o2ims.apiRoot": `"https://smo-facing.example.net/o2"`, "o2ims.ingress.enabled": "true", "smoRegistration.url": smo}, "https://smo-facing.example.net/o2", false},
			{map[string]string{"smoRegistration.url": smo}, "https://netweave-o2ims." + chartNamespace + ".svc", true},
			{map[string]string{"o2ims.service.port": "8443"}, "https://netweave-o2ims." + chartNamespace + ".svc:8443", false},
		} {
			args := []string{"install", "netweave", c.chart, "--dry-run=client", "--namespace", chartNamespace}
			for k, v := range tc.set {
				args = append(args, "--set-json", k+"="+v)
			}
			out, err := c.helm(args...)
			if err != nil {
				t.Fatalf("install --dry-run=client %v: %v\n%s", tc.set, err, out)
			}
			if !strings.Contains(out, "- --o2ims-api-root="+tc.want+"\n") {
				t.Errorf("%v: no --o2ims-api-root=%s", tc.set, tc.want)
			}
			if warned := strings.Contains(out, "WARNING: netweave registers with the SMO"); warned != tc.warn {
				t.Errorf("%v: warned of the in-cluster address %v, want %v", tc.set, warned, tc.warn)
			}
		}
	})

	// TestRegressionHardAntiAffinityRolloutCanProceed: with podAntiAffinity=hard the Deployment
	// kept its surge-first rollout (maxSurge 1, maxUnavailable 0); on a cluster of as many
	// nodes as replicas the surge pod could go on no node and every upgrade hung Pending.
	t.Run("TestRegressionHardAntiAffinityRolloutCanProceed", func(t *testing.T) {
		for anti, want := range map[string]string{`"hard"`: "rollingUpdate: {maxUnavailable: 1, maxSurge: 0}", `"soft"`: "rollingUpdate: {maxUnavailable: 0, maxSurge: 1}"} {
			out, err := c.render(map[string]string{"podAntiAffinity": anti})
			if err != nil {
				t.Fatalf("render: %v\n%s", err, out)
			}
			if !strings.Contains(out, want) {
				t.Errorf("podAntiAffinity=%s renders no %q", anti, want)
			}
		}
	})

	// TestRegressionTemplateReaderReadsTemplatesOnly: the advice for offering the operator's
	// templates to a tenant's SMO was to bind o2ims-provisioner (or o2ims-reader) in the
	// inventory namespace, which also let it delete (or read) the operator's own provisioning
	// requests there. The role to bind grants template reads and nothing else.
	t.Run("o2ims-template-reader reads templates only", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(c.root, "artifacts", "deploy", "20-roles.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, doc := range strings.Split(string(raw), "\n---") {
			var cr struct {
				Kind     string
				Metadata struct {
					Name   string
					Labels map[string]string
				}
				Rules []struct {
					APIGroups []string `json:"apiGroups"`
					Resources []string
					Verbs     []string
				}
			}
			if err := yaml.Unmarshal([]byte(doc), &cr); err != nil || cr.Kind != "ClusterRole" || cr.Metadata.Name != "o2ims-template-reader" {
				continue
			}
			found = true
			for k := range cr.Metadata.Labels {
				if strings.HasPrefix(k, "rbac.authorization.k8s.io/aggregate-to-") {
					t.Errorf("o2ims-template-reader is aggregated (%s): what the operator offers is its choice", k)
				}
			}
			for _, r := range cr.Rules {
				if !slices.Equal(r.APIGroups, []string{"o2ims.oran.org"}) || !slices.Equal(r.Resources, []string{"managedinfrastructuretemplates"}) ||
					!slices.Equal(r.Verbs, []string{"get", "list", "watch"}) {
					t.Errorf("o2ims-template-reader grants %v %v %v", r.APIGroups, r.Resources, r.Verbs)
				}
			}
		}
		if !found {
			t.Error("artifacts/deploy/20-roles.yaml has no ClusterRole o2ims-template-reader")
		}
	})

	t.Run("server-side dry-run apply", func(t *testing.T) {
		cp := stacktest.StartControlPlane(t, localstack.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		admin := cp.Kubeconfig(localstack.Admin)
		crds, err := localstack.CRDDir()
		if err != nil {
			t.Fatal(err)
		}
		if out, stderr, err := localstack.Kubectl(ctx, admin, "apply", "--server-side", "-f", crds); err != nil {
			t.Fatalf("apply CRDs: %v\n%s%s", err, out, stderr)
		}
		if out, stderr, err := localstack.Kubectl(ctx, admin, "wait", "--for=condition=Established", "--timeout=60s", "-f", crds); err != nil {
			t.Fatalf("CRDs not established: %v\n%s%s", err, out, stderr)
		}
		// A dry run creates nothing, so the namespaced objects need their namespace to exist.
		if out, stderr, err := localstack.Kubectl(ctx, admin, "create", "namespace", chartNamespace); err != nil {
			t.Fatalf("create namespace: %v\n%s%s", err, out, stderr)
		}
		for _, f := range combos {
			manifests, err := c.helm("template", "netweave", c.chart, "--namespace", chartNamespace, "--values", f)
			if err != nil {
				t.Fatalf("render %s: %v\n%s", filepath.Base(f), err, manifests)
			}
			out, stderr, err := localstack.KubectlWithInput(ctx, admin, strings.NewReader(manifests),
				"apply", "--server-side", "--dry-run=server", "--field-manager=helm", "-f", "-")
			if err != nil {
				t.Errorf("server-side dry run of %s: %v\n%s%s", filepath.Base(f), err, out, stderr)
				continue
			}
			if n := strings.Count(out, "(server dry run)"); n != strings.Count(manifests, "\nkind: ") {
				t.Errorf("%s: %d objects passed the dry run, the render has %d:\n%s", filepath.Base(f), n, strings.Count(manifests, "\nkind: "), out)
			}
		}
	})
}

// chartRenderer renders charts/netweave with the helm that hack/build-control-plane.sh builds.
type chartRenderer struct {
	bin, chart, root string
}

func newChartRenderer(t *testing.T) *chartRenderer {
	t.Helper()
	bin, err := localstack.HelmBinary()
	if err != nil {
		t.Fatal(err)
	}
	root, err := localstack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return &chartRenderer{bin: bin, chart: filepath.Join(root, "charts", "netweave"), root: root}
}

func (c *chartRenderer) helm(args ...string) (string, error) {
	cmd := exec.Command(c.bin, args...)
	// No cluster: helm must not read a kubeconfig from the environment (lookup stays empty).
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(os.TempDir(), "netweave-chart-test-no-kubeconfig"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// render renders the chart with --set-json path=json for each entry.
func (c *chartRenderer) render(set map[string]string) (string, error) {
	args := []string{"template", "netweave", c.chart, "--namespace", chartNamespace}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--set-json", k+"="+set[k])
	}
	return c.helm(args...)
}

// combinations are the documented values files: the chart's ci/ directory and the values the
// plain manifests in artifacts/deploy are rendered with.
func (c *chartRenderer) combinations(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(c.chart, "ci", "*-values.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no values files under %s/ci (%v)", c.chart, err)
	}
	return append(files, filepath.Join(c.root, "hack", "artifacts-values.yaml"))
}

// valuePrerequisites are the values a value needs to matter at all: a Sentinel address matters
// only in Sentinel mode, an Ingress class only with the Ingress. Keyed by path prefix.
var valuePrerequisites = []struct {
	prefix string
	set    map[string]any
}{
	{"tls.caBundle", map[string]any{"tls.mode": "secret", "tls.caBundle": "Zm9v"}},
	{"tls.certManager.", map[string]any{"tls.mode": "certManager"}},
	{"redis.sentinel.", map[string]any{"redis.mode": "sentinel", "redis.sentinel.addresses": []string{"s:26379"}}},
	{"redis.bundled.", map[string]any{"redis.mode": "bundled", "redis.passwordSecret.name": "pw"}},
	{"redis.mode", map[string]any{"redis.passwordSecret.name": "pw"}},
	{"redis.passwordSecret.key", map[string]any{"redis.passwordSecret.name": "pw"}},
	{"redis.sentinel.passwordSecret.key", map[string]any{"redis.sentinel.passwordSecret.name": "spw"}},
	{"redis.sentinel.username", map[string]any{"redis.sentinel.passwordSecret.name": "spw"}},
	{"redis.sentinel.tlsServerName", map[string]any{"redis.tls.enabled": true}},
	{"redis.tls.secretName", map[string]any{"redis.tls.enabled": true}},
	{"redis.tls.serverName", map[string]any{"redis.tls.enabled": true}},
	{"redis.tls.clientCert", map[string]any{"redis.tls.enabled": true, "redis.tls.secretName": "s"}},
	{"o2ims.requireClientCert", map[string]any{"o2ims.clientCA.configMap": "ca"}},
	{"o2ims.service.loadBalancerSourceRanges", map[string]any{"o2ims.service.type": "LoadBalancer"}},
	{"o2ims.ingress.", map[string]any{"o2ims.ingress.enabled": true}},
	{"smoRegistration.", map[string]any{"smoRegistration.url": "https://smo.example.net/register"}},
	{"notifier.oauth2.", map[string]any{"notifier.oauth2.tokenURL": "https://t/x", "notifier.oauth2.clientSecretSecret": "s"}},
	{"alarms.certificates.selector", map[string]any{"alarms.certificates.selectorNamespace": "monitoring"}},
	{"alarms.certificates.selectorNamespace", map[string]any{"alarms.certificates.selector": "a=b"}},
	{"networkPolicy.o2imsFrom", map[string]any{"networkPolicy.enabled": true}},
	{"serviceMonitor.", map[string]any{"serviceMonitor.enabled": true}},
	{"prometheusRule.", map[string]any{"prometheusRule.enabled": true}},
	{"grafanaDashboard.", map[string]any{"grafanaDashboard.enabled": true}},
	{"tracing.", map[string]any{"tracing.enabled": true}},
	{"o2dms.", map[string]any{"o2dms.enabled": true}},
	{"provisioning.clusterClassNamespaces", map[string]any{"provisioning.enabled": true}},
}

// valueAlternatives are the values that must be one of a set: the alternative tried.
var valueAlternatives = map[string]any{
	"tls.mode":                     "certManager",
	"redis.mode":                   "bundled",
	"podAntiAffinity":              "hard",
	"image.pullPolicy":             "Always",
	"o2ims.service.type":           "LoadBalancer",
	"tls.certManager.issuerRef":    map[string]any{"name": "corporate-ca", "kind": "ClusterIssuer"},
	"notifier.oauth2.tokenURL":     "https://t/y",
	"notifier.oauth2.clientID":     "other",
	"redis.passwordSecret.name":    "other",
	"o2ims.clientCA.configMap":     "other",
	"alarms.certificates.selector": "c=d",
}

// checkValues renders the chart once per documented value, changed, against the same values
// without the change, and fails for a value whose change renders the same manifests; it also
// fails for a value in values.yaml that no "# --" comment documents.
func (c *chartRenderer) checkValues(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(c.chart, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	documented := documentedValuePaths(string(raw))
	var values map[string]any
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	for _, leaf := range leafPaths("", values) {
		if !slices.ContainsFunc(documented, func(d string) bool { return leaf == d || strings.HasPrefix(leaf, d+".") }) {
			t.Errorf("values.yaml: %s has no \"# --\" comment (on it or a parent)", leaf)
		}
	}
	// Each render is a helm process (~0.3 s of CPU): the base and changed renders of every
	// value are made concurrently, one per CPU, then compared in order.
	type check struct {
		path, current string
		base, changed map[string]string
	}
	checks := make([]check, 0, len(documented))
	renders := map[string]*chartRender{}
	for _, path := range documented {
		base := map[string]string{}
		for _, p := range valuePrerequisites {
			if strings.HasPrefix(path, p.prefix) {
				for k, v := range p.set {
					base[k] = mustJSON(t, v)
				}
			}
		}
		var current any
		if v, ok := base[path]; ok {
			if err := json.Unmarshal([]byte(v), &current); err != nil {
				t.Fatal(err)
			}
		} else {
			current = lookupPath(values, path)
		}
		changed := maps.Clone(base)
		changed[path] = mustJSON(t, alternative(path, current))
		for _, set := range []map[string]string{base, changed} {
			if key := fmt.Sprint(set); renders[key] == nil {
				renders[key] = &chartRender{set: set}
			}
		}
		checks = append(checks, check{path: path, current: fmt.Sprint(current), base: base, changed: changed})
	}
	c.renderAll(slices.Collect(maps.Values(renders)))
	for _, ch := range checks {
		before, after := renders[fmt.Sprint(ch.base)], renders[fmt.Sprint(ch.changed)]
		if before.err != nil {
			t.Errorf("%s: render with %v: %v\n%s", ch.path, ch.base, before.err, before.out)
			continue
		}
		if after.err != nil {
			t.Errorf("%s: render with %s=%s: %v\n%s", ch.path, ch.path, ch.changed[ch.path], after.err, after.out)
			continue
		}
		if normalizeSecrets(before.out) == normalizeSecrets(after.out) {
			t.Errorf("%s: changing it from %v to %s (with %v) does not change the rendered manifests", ch.path, ch.current, ch.changed[ch.path], ch.base)
		}
	}
}

// chartRender is one render of the chart with set, and what it gave.
type chartRender struct {
	set map[string]string
	out string
	err error
}

// renderAll renders each of renders, as many at a time as there are CPUs.
func (c *chartRenderer) renderAll(renders []*chartRender) {
	var wg sync.WaitGroup
	work := make(chan *chartRender)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for r := range work {
				r.out, r.err = c.render(r.set)
			}
		})
	}
	for _, r := range renders {
		work <- r
	}
	close(work)
	wg.Wait()
}

// documentedValuePaths returns the dotted paths of the keys in values.yaml whose comment block
// starts with "# --" (the helm-docs convention).
func documentedValuePaths(text string) []string {
	type key struct {
		indent int
		name   string
	}
	var stack []key
	var paths []string
	keyLine := regexp.MustCompile(`^( *)([A-Za-z0-9_]+):`)
	var comment []string
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			comment = append(comment, trimmed)
			continue
		}
		m := keyLine.FindStringSubmatch(line)
		if m == nil {
			comment = nil
			continue
		}
		indent := len(m[1])
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, key{indent, m[2]})
		if len(comment) > 0 && strings.HasPrefix(comment[0], "# --") {
			names := make([]string, len(stack))
			for i, k := range stack {
				names[i] = k.name
			}
			paths = append(paths, strings.Join(names, "."))
		}
		comment = nil
	}
	return paths
}

// leafPaths returns the dotted paths of the values that are not maps (and of empty maps).
func leafPaths(prefix string, v any) []string {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return []string{prefix}
	}
	var out []string
	for k, child := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		out = append(out, leafPaths(p, child)...)
	}
	sort.Strings(out)
	return out
}

func lookupPath(values map[string]any, path string) any {
	var v any = values
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// alternative is a different value of the same shape.
func alternative(path string, v any) any {
	if a, ok := valueAlternatives[path]; ok {
		return a
	}
	switch x := v.(type) {
	case bool:
		return !x
	case float64:
		return x + 1
	case string:
		if x == "" {
			return "changed"
		}
		return x + "-changed"
	case []any:
		return append(slices.Clone(x), "changed")
	case map[string]any:
		out := map[string]any{"changed": "yes"}
		for k, v := range x {
			out[k] = v
		}
		return out
	}
	return "changed"
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// secretLine matches the lines that carry generated keys and certificates.
var secretLine = regexp.MustCompile(`(?m)^(\s*(?:tls\.crt|tls\.key|ca\.crt|caBundle): )(\S+)$`)

// normalizeSecrets replaces the generated certificates (random on every render) by what the
// values decide about them, their validity and names, and keys by a placeholder.
func normalizeSecrets(manifests string) string {
	return secretLine.ReplaceAllStringFunc(manifests, func(line string) string {
		m := secretLine.FindStringSubmatch(line)
		der, err := base64.StdEncoding.DecodeString(m[2])
		if err != nil {
			return line
		}
		block, _ := pem.Decode(der)
		if block == nil || block.Type != "CERTIFICATE" {
			return m[1] + "<key>"
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return line
		}
		days := int(cert.NotAfter.Sub(cert.NotBefore).Hours()/24 + 0.5)
		return m[1] + fmt.Sprintf("<certificate %s for %v, %d days>", cert.Subject.CommonName, cert.DNSNames, days)
	})
}
