# netweave's container image: a static binary on distroless, running as a non-root user.
# Build with 'make image' (skipped with a message when no container builder is reachable).

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN hack/build-static.sh /out/netweave

# distroless/static has no shell or package manager; "nonroot" is uid/gid 65532, the user the
# chart's podSecurityContext names.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/netweave /netweave
USER 65532:65532
ENTRYPOINT ["/netweave"]
