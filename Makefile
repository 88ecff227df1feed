# netweave: `make run` brings the product up on this machine; `make test` proves it.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c

GO            ?= go
BIN           := _output/bin
STATICCHECK   := $(BIN)/staticcheck-v0.8.2
# Unit tests need no servers; integration tests start redis-server; e2e starts the whole stack.
UNIT_PKGS        = $(shell $(GO) list ./... | grep -v -e /test/ -e /pkg/storage/)
INTEGRATION_PKGS = ./pkg/storage/... ./test/integration/...
E2E_PKGS         = ./test/e2e/...
GOTEST_FLAGS  ?= -count=1

.PHONY: all build image run test test-unit test-integration test-e2e verify fmt vet staticcheck \
	verify-codegen update-codegen verify-artifacts update-artifacts deps bench bench-o2 bench-replicas bench-notify bench-alarms clean

all: build

# Static, as the container image has it (hack/build-static.sh is the one build command).
build:
	hack/build-static.sh $(BIN)/netweave

## image: the container image (Dockerfile), when a container builder is reachable.
IMAGE ?= ghcr.io/netweave-io/netweave:dev
image:
	@if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then \
		docker build -t $(IMAGE) . ; \
	elif command -v podman >/dev/null 2>&1; then \
		podman build -t $(IMAGE) . ; \
	else \
		echo "make image: no container builder reachable (docker daemon or podman); skipped." ; \
		echo "The binary the image holds is built and checked by 'make test-e2e' (test/e2e/static_binary_test.go)." ; \
	fi

## run: start Redis, etcd, kube-apiserver, Alertmanager and netweave on loopback with the examples
## applied (local-up.sh runs build-control-plane.sh first, as 'make deps' does).
run:
	hack/local-up.sh

## deps: everything the tests need that is not Go code in this module (redis-server from apt,
## kube-apiserver and etcd built from the Go module proxy, cached under _output/).
deps:
	hack/build-control-plane.sh

test: verify test-unit test-integration test-e2e

# Unit packages start real redis-server processes too (pkg/notify, internal/localstack), and
# internal/localstack an etcd and a control plane (its start-up regression tests).
test-unit:
	hack/build-control-plane.sh redis etcd kube-apiserver kube-controller-manager alertmanager
	$(GO) test $(GOTEST_FLAGS) $(UNIT_PKGS)

test-integration:
	hack/build-control-plane.sh redis
	$(GO) test $(GOTEST_FLAGS) $(INTEGRATION_PKGS)

# KUBE_CACHE_MUTATION_DETECTOR: client-go's informers in every process the tests start (netweave
# inherits the environment) keep a copy of each cached object and panic if someone changes the
# cached one. netweave's informers hold the API server's read cache's own objects, so a component
# that modified an object from a lister would change what the API serves to everyone.
# -parallel 3: most e2e tests wait on their servers; see test/e2e/main_test.go.
test-e2e: deps build
	KUBE_CACHE_MUTATION_DETECTOR=true $(GO) test $(GOTEST_FLAGS) -timeout 40m -parallel 3 $(E2E_PKGS)

verify: fmt vet staticcheck verify-codegen verify-artifacts

fmt:
	@out=$$(git ls-files -co --exclude-standard '*.go' | grep -v '^generated/' | xargs gofmt -l); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

$(STATICCHECK):
	mkdir -p $(BIN)
	GOBIN=$(CURDIR)/$(BIN)/.staticcheck $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	mv $(BIN)/.staticcheck/staticcheck $@

staticcheck: $(STATICCHECK)
	$(STATICCHECK) $$($(GO) list ./... | grep -v /generated/)

verify-codegen:
	hack/verify-codegen.sh

update-codegen:
	hack/update-codegen.sh

# artifacts/deploy is charts/netweave rendered; the chart is the one source (builds helm once).
verify-artifacts:
	hack/verify-artifacts.sh

update-artifacts:
	hack/update-artifacts.sh

## bench: storage benchmarks (Redis and the embedded etcd3 store on the same workload).
bench:
	hack/build-control-plane.sh redis
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/storage/...

## bench-o2: O2-IMS REST API on the real stack with 10,000 Resources vs a bare net/http ceiling, and the
## ceiling's answers served through netweave's own O2 filters (the o2floor build) (docs/performance.md).
bench-o2: deps build
	GOFLAGS=-tags=o2floor hack/build-static.sh $(BIN)/netweave-o2floor
	$(GO) test -run '^$$' -bench BenchmarkO2 -benchtime 3s -count 1 -timeout 40m -v ./test/bench/

## bench-replicas: O2 GET by id across three replicas (round robin) vs one, 10,000 Resources (docs/performance.md).
bench-replicas: deps build
	$(GO) test -run '^$$' -bench BenchmarkReplicasO2 -benchtime 3s -count 1 -timeout 40m -v ./test/bench/

## bench-notify: notifier change-to-POST latency with 1 and 1,000 subscriptions, 10,000-change burst (docs/performance.md).
bench-notify: deps build
	$(GO) test -run '^$$' -bench BenchmarkNotify -benchtime 1x -count 1 -timeout 30m -v ./test/bench/

## bench-alarms: alarm storm: 10,000 alerts through a real Alertmanager, 100 AlarmSubscriptions, O2 alarm lists (docs/performance.md).
bench-alarms: deps build
	$(GO) test -run '^$$' -bench BenchmarkAlarmStorm -benchtime 2s -count 1 -timeout 40m -v ./test/bench/

clean:
	rm -rf _output
