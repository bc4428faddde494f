# claude-gateway container image: both binaries (claude-gateway, fake-messages-api), config/
# and the scripts the compose stack runs (docker/bin/). The playground page is built into
# the binary, so web/ is not copied.
#
#   docker build -t claude-gateway .                          # compiles (Release) inside
#   docker build --target prebuilt --build-context prebuilt-bin=build-test -t claude-gateway .
#                                                             # packages binaries built outside
#
# BASE is the official Debian 12 image by default; machines without a registry build one
# locally (scripts/containers/make-base-image) and pass --build-arg BASE=localhost/debian:bookworm.
# With podman, add --format docker: its default OCI format drops HEALTHCHECK.
ARG BASE=debian:bookworm-slim

# ---- build: Release binaries, tests off
FROM ${BASE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config libboost1.81-dev libssl-dev libyaml-cpp-dev \
      libsqlite3-dev libhiredis-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Empty: ninja's default (cores + 2). A shared machine passes --build-arg BUILD_JOBS=2.
ARG BUILD_JOBS=
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGATEWAY_BUILD_TESTS=OFF \
 && ninja -C /build ${BUILD_JOBS:+-j$BUILD_JOBS} claude-gateway fake-messages-api \
 && strip /build/claude-gateway /build/fake-messages-api

# ---- runtime-base: the shared libraries the binaries link, no compiler, a non-root user
FROM ${BASE} AS runtime-base
# openssl: the compose stack's init makes its CA and certificates with it (docker/bin/stack-init).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libyaml-cpp0.7 libsqlite3-0 libhiredis0.14 libjemalloc2 ca-certificates openssl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin gateway \
 && mkdir -p /app/data && chown gateway:gateway /app/data
COPY config/ /app/config/
COPY docker/bin/ /usr/local/bin/
COPY docker/gateway.compose.yaml /app/config/
WORKDIR /app
# Listen on every interface inside the container. The gateway refuses to start on a
# non-loopback address without auth.keys, so a config with client keys is required
# (docker/gateway.compose.yaml is one); see docker/README.md.
ENV GATEWAY_LISTEN=0.0.0.0:8080 \
    GATEWAY_DATA_DIR=/app/data
USER gateway
EXPOSE 8080
# GET /healthz over bash's /dev/tcp: the image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["healthz"]
# Exec form: the gateway is PID 1 and handles SIGTERM itself (drains, exits 0).
CMD ["claude-gateway", "--config", "/app/config/gateway.yaml"]

# ---- prebuilt: binaries compiled outside, from the build context named `prebuilt-bin` (a
# build directory). CI's one build is build-test, with AddressSanitizer and UBSan: its
# binaries load libasan.so.8 and libubsan.so.1 (GCC 12's runtimes), so they are here too
# (a few MB; a Release build does not load them). LeakSanitizer is off in the container:
# it stops the world with ptrace at exit, which a container's seccomp profile may refuse,
# and CTest's own runs check leaks already.
FROM runtime-base AS prebuilt
USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libasan8 libubsan1 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=prebuilt-bin claude-gateway fake-messages-api /usr/local/bin/
ENV ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
USER gateway

# ---- runtime (the default target): the Release binaries of the build stage
FROM runtime-base AS runtime
COPY --from=build /build/claude-gateway /build/fake-messages-api /usr/local/bin/
