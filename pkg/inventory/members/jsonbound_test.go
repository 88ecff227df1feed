package members

import (
	"context"
	"encoding/binary"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

var machineDeployments = schema.GroupVersionResource{Group: "cluster.x-k8s.io", Version: "v1beta1", Resource: "machinedeployments"}

// memberServing connects to a member whose API server is mux.
func memberServing(t *testing.T, mux *http.ServeMux) *Clients {
	t.Helper()
	port, kubeconfigAt := tlsServer(t, mux)
	c, err := NewConnect(0, 0, time.Minute, Addresses{})(Registration{Kubeconfig: kubeconfigAt("https://127.0.0.1:" + port)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRegressionMemberJSONWatchEventUnbounded: client-go reads a JSON watch event whole before
// decoding it, and the sync watches Cluster API's kinds in JSON (they have no protobuf). A
// tenant's member API server (one it runs, or an aggregated API for cluster.x-k8s.io in its
// own cluster, which the member's kube-apiserver proxies) that sent one endless event made
// netweave hold it all: 1 GiB sent took 3.5 GiB of heap, and the pod has 1 GiB. An event is
// now refused past MaxWatchEventBytes, and the watch ends.
func TestRegressionMemberJSONWatchEventUnbounded(t *testing.T) {
	var sent atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/apis/cluster.x-k8s.io/v1beta1/machinedeployments", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		n, err := w.Write([]byte(`{"type":"ADDED","object":{"apiVersion":"cluster.x-k8s.io/v1beta1","kind":"MachineDeployment","metadata":{"name":"x"},"spec":{"x":"`))
		sent.Add(int64(n))
		// A string that never ends: valid JSON as far as it goes.
		chunk := []byte(strings.Repeat("a", 64<<10))
		for err == nil && r.Context().Err() == nil {
			n, err = w.Write(chunk)
			sent.Add(int64(n))
		}
	})
	c := memberServing(t, mux)
	watchEnds(t, func(ctx context.Context) (watch.Interface, error) {
		return c.Dynamic.Resource(machineDeployments).Watch(ctx, metav1.ListOptions{})
	})
	if n := sent.Load(); n > MaxWatchEventBytes+connectionBuffers {
		t.Errorf("the client read %d bytes of one watch event", n)
	}
}

// TestRegressionMemberJSONWatchEventsCountedApart: the bound is an event's, not the watch's: a
// watch carrying more than MaxWatchEventBytes and MaxWatchEventCost in events of ordinary size
// is read whole.
func TestRegressionMemberJSONWatchEventsCountedApart(t *testing.T) {
	ms, err := os.ReadFile("testdata/machineset.json")
	if err != nil {
		t.Fatal(err)
	}
	event := []byte(`{"type":"ADDED","object":` + strings.TrimSpace(string(ms)) + "}\n")
	events := (MaxWatchEventBytes/len(event) + MaxWatchEventCost/700) + 100
	mux := http.NewServeMux()
	mux.HandleFunc("/apis/cluster.x-k8s.io/v1beta1/machinesets", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for range events {
			if _, err := w.Write(event); err != nil {
				return
			}
		}
	})
	c := memberServing(t, mux)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := c.Dynamic.Resource(schema.GroupVersionResource{Group: "cluster.x-k8s.io", Version: "v1beta1", Resource: "machinesets"}).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for ev := range w.ResultChan() {
		if ev.Type != "ADDED" {
			t.Fatalf("event %d: %s %v", got, ev.Type, ev.Object)
		}
		got++
	}
	if got != events {
		t.Errorf("%d events of %d read", got, events)
	}
}

// TestRegressionMemberJSONAnswerDecodedCost: a JSON answer under MaxAnswer decoded into far
// more memory than its bytes: a list of MachineDeployments of 255 MiB (one holding an array
// of zeros) took 7 GiB of heap in the dynamic client. A JSON answer is refused once what
// decoding it costs passes MaxAnswerCost, and a list of 5,000 ordinary MachineSets (the most
// the sync keeps) is not.
func TestRegressionMemberJSONAnswerDecodedCost(t *testing.T) {
	ms, err := os.ReadFile("testdata/machineset.json")
	if err != nil {
		t.Fatal(err)
	}
	zeros := []byte(`{"apiVersion":"cluster.x-k8s.io/v1beta1","kind":"MachineDeploymentList","metadata":{},"items":[{"metadata":{"name":"a"},"x":[` +
		strings.Repeat("0,", MaxAnswerCost) + `0]}]}`)
	items := make([]string, DefaultMaxNodes)
	for i := range items {
		items[i] = strings.Replace(strings.TrimSpace(string(ms)), `"name":"edge-1-md-0-abcde"`, `"name":"ms-`+strconv.Itoa(i)+`"`, 1)
	}
	sets := []byte(`{"apiVersion":"cluster.x-k8s.io/v1beta1","kind":"MachineSetList","metadata":{},"items":[` + strings.Join(items, ",") + `]}`)
	serve := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/apis/cluster.x-k8s.io/v1beta1/machinedeployments", serve(zeros))
	mux.HandleFunc("/apis/cluster.x-k8s.io/v1beta1/machinesets", serve(sets))
	c := memberServing(t, mux)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Dynamic.Resource(machineDeployments).List(ctx, metav1.ListOptions{}); err == nil || !strings.Contains(err.Error(), "costs more than") {
		t.Errorf("a list of %d MiB of zeros: %v", len(zeros)>>20, err)
	}
	list, err := c.Dynamic.Resource(schema.GroupVersionResource{Group: "cluster.x-k8s.io", Version: "v1beta1", Resource: "machinesets"}).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("a list of %d MachineSets (%d MiB): %v", len(items), len(sets)>>20, err)
	}
	if len(list.Items) != len(items) {
		t.Errorf("%d MachineSets listed, want %d", len(list.Items), len(items))
	}
}

// TestMemberAnswerInYAMLRefused: client-go decodes YAML (and CBOR) answers too, though it never
// asks for them; their decoding cost is not counted, so they are refused.
func TestMemberAnswerInYAMLRefused(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/nodes", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write([]byte("kind: NodeList\napiVersion: v1\nitems: []\n"))
	})
	c := memberServing(t, mux)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err == nil || !strings.Contains(err.Error(), "does not ask for") {
		t.Errorf("a YAML answer: %v", err)
	}
}

// protobufNodeList is a NodeList in Kubernetes' protobuf envelope with items empty items: two
// bytes each.
func protobufNodeList(items int) []byte {
	var list []byte
	for range items {
		list = protowire.AppendTag(list, 2, protowire.BytesType)
		list = protowire.AppendVarint(list, 0)
	}
	var typeMeta []byte
	typeMeta = protowire.AppendTag(typeMeta, 1, protowire.BytesType)
	typeMeta = protowire.AppendString(typeMeta, "v1")
	typeMeta = protowire.AppendTag(typeMeta, 2, protowire.BytesType)
	typeMeta = protowire.AppendString(typeMeta, "NodeList")
	body := []byte("k8s\x00")
	body = protowire.AppendTag(body, 1, protowire.BytesType)
	body = protowire.AppendBytes(body, typeMeta)
	body = protowire.AppendTag(body, 2, protowire.BytesType)
	return protowire.AppendBytes(body, list)
}

// TestRegressionTenantMemberProtobufAnswerAmplified: what client-go decodes a protobuf answer
// into is not bounded by its bytes: each empty item of a NodeList is two bytes and a whole
// Node, and a tenant's member that is a server the tenant runs answered a NodeList of 2 MiB, a
// million empty items, that took about 2 GiB of heap. A tenant's member is asked for JSON
// (bounded by what decoding it costs), and a protobuf answer nobody asked for is refused; the
// operator's members are still read in protobuf.
func TestRegressionTenantMemberProtobufAnswerAmplified(t *testing.T) {
	var askedProtobuf atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/nodes", func(w http.ResponseWriter, r *http.Request) {
		// A tenant's server answers protobuf whatever it was asked for.
		items := 1 << 20
		if strings.Contains(r.Header.Get("Accept"), "protobuf") {
			askedProtobuf.Store(true)
			items = 3
		}
		body := protobufNodeList(items)
		w.Header().Set("Content-Type", "application/vnd.kubernetes.protobuf")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
	port, kubeconfigAt := tlsServer(t, mux)
	addrs := Addresses{TenantAllowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	tenant, err := NewConnect(0, 0, time.Minute, addrs)(Registration{Kubeconfig: kubeconfigAt("https://127.0.0.1:" + port), Origin: OriginTenant})
	if err != nil {
		t.Fatal(err)
	}
	for name, kc := range map[string]kubernetes.Interface{"client": tenant.Kube, "informers' client": tenant.Informers} {
		askedProtobuf.Store(false)
		_, err := kc.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err == nil || !strings.Contains(err.Error(), "did not ask for") {
			t.Errorf("a tenant's member's %s: a protobuf NodeList of a million empty items: %v", name, err)
		}
		if askedProtobuf.Load() {
			t.Errorf("a tenant's member's %s asked for protobuf", name)
		}
	}

	operator, err := NewConnect(0, 0, time.Minute, addrs)(Registration{Kubeconfig: kubeconfigAt("https://127.0.0.1:" + port), Origin: OriginInventory})
	if err != nil {
		t.Fatal(err)
	}
	askedProtobuf.Store(false)
	list, err := operator.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 3 {
		t.Errorf("the operator's member in protobuf: %v", err)
	}
	if !askedProtobuf.Load() {
		t.Error("the operator's member was not asked for protobuf")
	}
}

// TestRegressionMemberWatchContentTypeAsClientGoReadsIt: client-go decodes a watch whose
// Content-Type is missing, or whose parameters do not parse, by the media type it reads from
// it as it can (mime.ParseMediaType's, even with an error; none is the client's first, JSON).
// BoundAnswers read the header strictly: a tenant's member that sent its endless JSON event
// without a Content-Type, or as `application/json; x`, was read whole again (what
// TestRegressionMemberJSONWatchEventUnbounded bounds); and a protobuf watch sent as
// `application/vnd.kubernetes.protobuf; x` was not refused, though a tenant's member is never
// asked for protobuf.
func TestRegressionMemberWatchContentTypeAsClientGoReadsIt(t *testing.T) {
	// What an unbounded read takes in: well past one event's bound, but finite, so that the
	// test ends (and says how much was read) without the bound too.
	const most = MaxWatchEventBytes + connectionBuffers
	for name, contentType := range map[string]string{"no Content-Type": "", "a parameter that does not parse": "application/json; x"} {
		t.Run(name, func(t *testing.T) {
			var sent atomic.Int64
			mux := http.NewServeMux()
			mux.HandleFunc("/apis/cluster.x-k8s.io/v1beta1/machinedeployments", func(w http.ResponseWriter, r *http.Request) {
				if contentType == "" {
					w.Header()["Content-Type"] = nil // not even the one net/http sniffs
				} else {
					w.Header().Set("Content-Type", contentType)
				}
				n, err := w.Write([]byte(`{"type":"ADDED","object":{"apiVersion":"cluster.x-k8s.io/v1beta1","kind":"MachineDeployment","metadata":{"name":"x"},"spec":{"x":"`))
				sent.Add(int64(n))
				chunk := []byte(strings.Repeat("a", 64<<10))
				for err == nil && r.Context().Err() == nil && sent.Load() < 2*most {
					n, err = w.Write(chunk)
					sent.Add(int64(n))
				}
			})
			c := memberServing(t, mux)
			watchEnds(t, func(ctx context.Context) (watch.Interface, error) {
				return c.Dynamic.Resource(machineDeployments).Watch(ctx, metav1.ListOptions{})
			})
			if n := sent.Load(); n > most {
				t.Errorf("the client read %d bytes of one watch event", n)
			}
		})
	}

	t.Run("protobuf with a parameter that does not parse", func(t *testing.T) {
		var served atomic.Bool
		mux := http.NewServeMux()
		mux.HandleFunc("/api/v1/nodes", func(w http.ResponseWriter, r *http.Request) {
			served.Store(true)
			w.Header().Set("Content-Type", "application/vnd.kubernetes.protobuf; x")
			// One frame: a watch event whose Node would be decoded from it.
			frame := protobufNodeList(3)
			_, _ = w.Write(binary.BigEndian.AppendUint32(nil, uint32(len(frame))))
			_, _ = w.Write(frame)
		})
		port, kubeconfigAt := tlsServer(t, mux)
		addrs := Addresses{TenantAllowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
		tenant, err := NewConnect(0, 0, time.Minute, addrs)(Registration{Kubeconfig: kubeconfigAt("https://127.0.0.1:" + port), Origin: OriginTenant})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		w, err := tenant.Informers.CoreV1().Nodes().Watch(ctx, metav1.ListOptions{})
		if err == nil {
			w.Stop()
		}
		if !served.Load() || err == nil || !strings.Contains(err.Error(), "did not ask for") {
			t.Errorf("a tenant's member's protobuf watch: %v, want it refused", err)
		}
	})
}
