# A coerce-ts cluster node: `coerce-ts node --app $COERCE_APP` from the compiled JavaScript,
# with production dependencies only, as a non-root user. Configure it with the COERCE_*
# environment (see `coerce-ts node --help` and the README's flags table); COERCE_CLUSTER_SECRET
# is required.
#
# BASE_IMAGE (build stages): any image with Node 20 and npm. RUNTIME_IMAGE (the final stage):
# Node 20 and a user `node` (uid 1000); npm is not needed. The defaults are the ones
# scripts/docker-smoke.sh builds from Debian trixie packages (there is no image registry on our
# CI machines); where Docker Hub is reachable, pass
# `--build-arg BASE_IMAGE=node:20-bookworm-slim --build-arg RUNTIME_IMAGE=node:20-bookworm-slim`.
ARG BASE_IMAGE=coerce-ts/node20-base:trixie
ARG RUNTIME_IMAGE=coerce-ts/node20-runtime:trixie

FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY lib ./lib
COPY workers ./workers
COPY bin ./bin
COPY examples ./examples
COPY scripts ./scripts
RUN npm run build

FROM ${BASE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${RUNTIME_IMAGE}
# The application module the node runs (compiled path inside the image): the sharded chat
# (examples/sharded-chat: page and WebSocket on COERCE_CHAT_PORT, default 30102). Build another
# app with --build-arg COERCE_APP=dist/... (e.g. dist/examples/cluster-app.js)
ARG COERCE_APP=dist/examples/sharded-chat/app.js
WORKDIR /app
ENV NODE_ENV=production \
    COERCE_APP=${COERCE_APP} \
    COERCE_CLUSTER_LISTEN=0.0.0.0:30101 \
    COERCE_HTTP_HOST=0.0.0.0 \
    COERCE_HTTP_PORT=30103 \
    COERCE_CHAT_PORT=30102
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# 30101 cluster (remoting), 30102 application (the chat's WebSocket), 30103 HTTP API.
EXPOSE 30101 30102 30103
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.COERCE_HTTP_PORT||30103)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# docker stop sends SIGTERM: the node leaves the cluster gracefully and exits 0.
ENTRYPOINT ["node", "dist/bin/coerce-ts.js"]
CMD ["node"]
