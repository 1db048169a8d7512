# syntax=docker/dockerfile:1
# The hubwire agent, for hubs and spokes that run containers. It needs the host's network
# (or the network namespace it manages), CAP_NET_ADMIN and /dev/net/tun (never --privileged),
# and CAP_NET_RAW for ping (the failover probes); nothing else:
#   docker build -f deploy/agent.Dockerfile -t hubwire-agent .
#   docker run -d --name hubwire-agent --network host --cap-drop ALL --cap-add NET_ADMIN \
#     --cap-add NET_RAW --device /dev/net/tun \
#     -v hubwire-agent:/var/lib/hubwire/agent -v /etc/hubwire/token:/run/secrets/token:ro \
#     hubwire-agent --name branch-new --token-file /run/secrets/token
# Hubs forward between spokes: set forwarding on the host (sysctl net.ipv4.ip_forward=1, and
# net.ipv6.conf.all.forwarding=1 in dual-stack networks); /proc/sys is read-only in a container.
# wireguard-go serves where the kernel has no WireGuard module. `ping` runs the failover probes.
# e2e/ops/images.test.ts runs this file's ENTRYPOINT as written, with only NET_ADMIN and NET_RAW.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
RUN apt-get update \
 && apt-get install -y --no-install-recommends wireguard-tools wireguard-go nftables iproute2 iputils-ping procps \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/hubwire
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
# Root inside the container, with only the capabilities `docker run` grants (above).
VOLUME ["/var/lib/hubwire/agent"]
ENTRYPOINT ["node", "/opt/hubwire/bin/hubwire.js", "agent", "--state-dir", "/var/lib/hubwire/agent"]
