package members

import (
	"fmt"
	"io"
	"mime"
	"strings"
)

// What client-go builds from a JSON answer costs far more memory than the answer's bytes: a
// value of two bytes ("0,") is an interface of 16 and its share of a slice grown by doubling,
// an object of three ("{},") a map, a list item of three an Unstructured object. A tenant's
// member API server (one it runs, or an aggregated API it serves for Cluster API's group in
// the cluster it was provisioned, which the member's kube-apiserver proxies) answered a list of
// MachineDeployments of 255 MiB, under MaxAnswer, that decoded into 7 GiB of heap; and a
// watch's JSON event, which client-go reads whole before decoding it, was not bounded at all
// (1 GiB sent, 3.5 GiB of heap). netweave's pod has 1 GiB. So a JSON answer is bounded by what
// decoding it costs, counted as its structure arrives outside strings: ',' and '[' one, ':' (an
// object's member, its key a string of its own) two, '{' (a map, or a list's item) six, at most
// MaxAnswerCost in an answer, and a watch's events each at most MaxWatchEventBytes and
// MaxWatchEventCost.

// MaxAnswerCost bounds the cost (above) of one JSON answer but a watch's. Measured on the
// dynamic client, a unit of it is at most about 75 bytes of heap while the answer is decoded
// (a list of empty items; an array of zeros about 60), so an answer takes at most about 300
// MiB, transient, about what MaxAnswer meant. A Cluster API MachineSet costs about 770
// (testdata/machineset.json): a list of 5,400 fits, and the sync keeps at most
// --inventory-member-max-nodes (5,000) of them.
const MaxAnswerCost = 4 << 20

// MaxWatchEventBytes bounds one event of a JSON watch, as client-go's streaming decoder bounds
// a protobuf watch's frames.
const MaxWatchEventBytes = 16 << 20

// MaxWatchEventCost bounds the cost of one event of a JSON watch: one object, which an API
// server stores in at most a few MiB (a MachineSet costs about 770).
const MaxWatchEventCost = 1 << 20

// protobufMediaType is Kubernetes' protobuf. What client-go builds from it is not bounded by
// its bytes either, and far less than JSON's: each empty element of a repeated field is two
// bytes and a whole struct, and a NodeList of 2 MiB, a million empty items, took about 2 GiB of
// heap. netweave never asks a tenant's member for it (JSONOnly), and BoundAnswers refuses an
// answer in it that was not asked for, so a tenant's server cannot send it.
const protobufMediaType = "application/vnd.kubernetes.protobuf"

// mediaTypeOf is the media type client-go reads from contentType: mime.ParseMediaType's, which
// it uses even when the parameters do not parse (ErrInvalidMediaParameter; a watch's decoder is
// chosen so), and none when the header is missing or its type does not parse. Read more
// strictly here, a header client-go reads as JSON or protobuf all the same escaped the bounds
// below (TestRegressionMemberWatchContentTypeAsClientGoReadsIt).
func mediaTypeOf(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt
}

// isProtobuf reports whether contentType is Kubernetes' protobuf.
func isProtobuf(contentType string) bool {
	return mediaTypeOf(contentType) == protobufMediaType
}

// decodedAsJSON reports whether client-go may decode an answer of contentType as JSON: the
// media type application/json, or none, which client-go reads as the content type it asked
// for (JSON but for the built-in kinds' clients of the operator's members, whose protobuf is
// not counted as JSON is), a watch's decoder as its first media type (JSON), and an answer but
// a watch's whose type does not parse as an error.
func decodedAsJSON(contentType string) bool {
	mt := mediaTypeOf(contentType)
	return mt == "" || mt == "application/json"
}

// unreadMediaType reports whether contentType is a serialization client-go may decode but
// netweave never asks for (YAML, CBOR), whose cost the JSON count does not bound.
func unreadMediaType(contentType string) bool {
	mt := mediaTypeOf(contentType)
	return strings.Contains(mt, "yaml") || strings.Contains(mt, "cbor")
}

// jsonBounded passes on a JSON answer until its cost, or (perValue, a watch's stream of
// events) one top-level value's bytes or cost, go past their bounds, then fails every read.
type jsonBounded struct {
	io.ReadCloser
	maxCost, maxBytes int64
	// perValue counts each top-level value apart (a watch's events).
	perValue bool

	cost, bytes      int64
	depth            int
	inString, escape bool
	err              error
}

func (j *jsonBounded) Read(p []byte) (int, error) {
	if j.err != nil {
		return 0, j.err
	}
	n, err := j.ReadCloser.Read(p)
	for _, b := range p[:n] {
		j.bytes++
		switch {
		case j.inString:
			switch {
			case j.escape:
				j.escape = false
			case b == '\\':
				j.escape = true
			case b == '"':
				j.inString = false
			}
		case b == '"':
			j.inString = true
		case b == '{':
			j.depth++
			j.cost += 6
		case b == '[':
			j.depth++
			j.cost++
		case b == '}' || b == ']':
			j.depth--
			if j.depth <= 0 && j.perValue {
				j.depth, j.cost, j.bytes = 0, 0, 0
			}
		case b == ':':
			j.cost += 2
		case b == ',':
			j.cost++
		}
		if j.cost > j.maxCost || (j.maxBytes > 0 && j.bytes > j.maxBytes) {
			if j.perValue {
				j.err = fmt.Errorf("the member's API server sent a watch event of more than %d bytes or JSON values that cost more than %d to decode", j.maxBytes, j.maxCost)
			} else {
				j.err = fmt.Errorf("the member's API server answered JSON that costs more than %d to decode", j.maxCost)
			}
			return 0, j.err
		}
	}
	return n, err
}
