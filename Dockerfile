# claude-gateway container image: both binaries (claude-gateway, fake-messages-api) and config/.
#
#   podman build --pull=never --build-arg BASE=localhost/debian:bookworm -t localhost/claude-gateway .
#
# BASE defaults to a locally built Debian bookworm (see docker/README.md); any Debian 12
# image works, e.g. --build-arg BASE=debian:bookworm-slim where a registry is reachable.
ARG BASE=localhost/debian:bookworm

# ---- build: Release binaries, tests off
FROM ${BASE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build libboost1.81-dev libssl-dev libyaml-cpp-dev libsqlite3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGATEWAY_BUILD_TESTS=OFF \
 && ninja -C /build claude-gateway fake-messages-api \
 && strip /build/claude-gateway /build/fake-messages-api

# ---- runtime: only the shared libraries the binaries link, no compiler, non-root
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libyaml-cpp0.7 libsqlite3-0 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin gateway \
 && mkdir -p /app/data && chown gateway:gateway /app/data
COPY --from=build /build/claude-gateway /build/fake-messages-api /usr/local/bin/
COPY config/ /app/config/
WORKDIR /app
# Listen on every interface inside the container. The gateway refuses to start on a
# non-loopback address without auth.keys, so a config with client keys is required
# (docker/gateway.compose.yaml is one); see docker/README.md.
ENV GATEWAY_LISTEN=0.0.0.0:8080 \
    GATEWAY_DATA_DIR=/app/data
USER gateway
EXPOSE 8080
# Exec form: the gateway is PID 1 and handles SIGTERM itself (drains, exits 0).
# No HEALTHCHECK here (podman's default OCI image format drops it): compose defines one.
CMD ["claude-gateway", "--config", "/app/config/gateway.yaml"]
