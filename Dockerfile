# syntax=docker/dockerfile:1
# The hubwire controller: REST API, web UI, config delivery, enrollment listener, /metrics.
#   docker build -t hubwire-controller .
#   docker run -d -v hubwire-data:/var/lib/hubwire -p 7443:7443 -p 7444:7444 \
#     --env-file controller.env hubwire-controller
# Listeners: 127.0.0.1:7070 plain HTTP inside the container (the healthcheck's), 7443 the API and
# UI over TLS, 7444 the enrollment listener (TLS). The data dir holds SQLite (unless
# --database-url is given) and the TLS CA the controller makes on first start.
# Secrets come from the environment at run time (HUBWIRE_ADMIN_PASSWORD, PGPASSWORD), never here.
# e2e/ops/images.test.ts runs this file's ENTRYPOINT, CMD and HEALTHCHECK as written.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source where no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY web ./web
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# A fixed uid/gid, so volume ownership survives image rebuilds.
RUN groupadd --system --gid 10001 hubwire \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/hubwire --shell /usr/sbin/nologin hubwire \
 && mkdir -p /var/lib/hubwire \
 && chown 10001:10001 /var/lib/hubwire \
 && chmod 0700 /var/lib/hubwire
WORKDIR /opt/hubwire
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
USER 10001:10001
VOLUME ["/var/lib/hubwire"]
EXPOSE 7443 7444 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:7070/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/hubwire/bin/hubwire.js", "controller"]
CMD ["--data-dir", "/var/lib/hubwire", "--listen", "127.0.0.1:7070", "--listen", "0.0.0.0:7443", "--enroll-listen", "0.0.0.0:7444", "--metrics-listen", "0.0.0.0:9464"]
