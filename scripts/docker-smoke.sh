#!/usr/bin/env bash
# Docker smoke run (CI step, after the tests): builds the Dockerfile's image and runs it as a
# 3-node cluster with a Redis journal, on loopback ports with host networking.
#
#   1. installs docker.io and debootstrap when missing (apt);
#   2. uses a running Docker daemon, else starts its own dockerd that leaves the host's network
#      alone (--iptables=false --ip-forward=false --bridge=none; containers run with
#      --network host), with its own data root (/var/lib/coerce-docker, which keeps the image
#      cache between runs), exec root and socket;
#   3. builds the base images once (cached: skipped when they exist): Debian trixie from
#      `debootstrap --variant=minbase` plus Debian's nodejs (checked to be Node 20) and npm (the
#      build stages' BASE_IMAGE), and the same without npm (the final stage's RUNTIME_IMAGE:
#      npm and its ~300 dependencies are half the size);
#   4. builds the project image (DOCKER_BUILDKIT=0, --network host);
#   5. starts a redis-server on a free port and 3 containers, each with its own cluster and
#      HTTP port and the same static seeds, and checks /health, the image's HEALTHCHECK and
#      /cluster/nodes (3 up) on each, the chat page on each and a chat round trip (WebSocket
#      clients on node-0 and node-2); then `docker stop` must end each node with exit status 0
#      (SIGTERM: graceful leave);
#   6. tears everything down on every exit path: containers, redis-server, and the dockerd it
#      started (by pid).
#
# Not root: says why and exits 0, or 1 when CI=true. Facts behind this: ../shared/reference/
# toolchain-notes.md section 9. Environment: COERCE_BASE_IMAGE, COERCE_RUNTIME_IMAGE,
# COERCE_IMAGE (image names), COERCE_SMOKE_KEEP_BASE=0 (remove the cached base images first: a
# cold run).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=${COERCE_BASE_IMAGE:-coerce-ts/node20-base:trixie}
RUNTIME_IMAGE=${COERCE_RUNTIME_IMAGE:-coerce-ts/node20-runtime:trixie}
IMAGE=${COERCE_IMAGE:-coerce-ts:local}
STATE_DIR=/var/lib/coerce-docker
RUN_DIR=/run/coerce-docker
SOCKET=unix://$RUN_DIR/docker.sock
SECRET=docker-smoke-secret-$$
LABEL=coerce-smoke=$$

T_START=$(date +%s)
T_STEP=$T_START
STEP=start
say() { echo "docker-smoke: $*" >&2; }
# A line with the seconds since the step began.
lap() { say "  [$(($(date +%s) - T_STEP)) s] $*"; }
step() {
  local now
  now=$(date +%s)
  [ "$STEP" = start ] || say "  ${STEP}: $((now - T_STEP)) s"
  STEP=$1
  T_STEP=$now
  say "$STEP"
}

if [ "$(id -u)" -ne 0 ]; then
  say "skipped: needs root (apt-get install docker.io debootstrap, a dockerd of its own, debootstrap and chroot for the base image)"
  if [ "${CI:-}" = true ]; then exit 1; fi
  exit 0
fi

DOCKERD_PID=''
REDIS_PID=''
ROOTFS=''
WORK=$(mktemp -d /tmp/coerce-smoke.XXXXXX)

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ "$rc" -ne 0 ]; then
    say "FAILED during: $STEP (exit $rc)"
    for id in $(docker ps -aq --filter "label=$LABEL" 2>/dev/null); do
      say "--- last lines of container $(docker inspect --format '{{.Name}}' "$id" 2>/dev/null):"
      docker logs --tail 20 "$id" 2>&1 | sed 's/^/    /' >&2
    done
    if [ -n "$DOCKERD_PID" ] && [ -f "$WORK/dockerd.log" ]; then
      say "--- last lines of dockerd:"
      tail -n 15 "$WORK/dockerd.log" | sed 's/^/    /' >&2
    fi
  fi
  local ids
  ids=$(docker ps -aq --filter "label=$LABEL" 2>/dev/null)
  [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1
  if [ -n "$ROOTFS" ]; then
    umount "$ROOTFS/proc" 2>/dev/null
    rm -rf "$ROOTFS"
  fi
  if [ -n "$REDIS_PID" ]; then
    kill "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
  fi
  if [ -n "$DOCKERD_PID" ]; then
    kill "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$DOCKERD_PID" 2>/dev/null
    wait "$DOCKERD_PID" 2>/dev/null
    umount "$RUN_DIR/netns/default" 2>/dev/null
  fi
  rm -rf "$WORK"
  say "total: $(($(date +%s) - T_START)) s ($([ "$rc" -eq 0 ] && echo passed || echo failed))"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. tools -------------------------------------------------------------------------------
step "install docker.io and debootstrap (when missing)"
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  say "  apt-get install ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The client that came with the daemon when there is one (same API version).
DOCKER_BIN=docker
[ -x /usr/bin/docker ] && DOCKER_BIN=/usr/bin/docker
docker() { command "$DOCKER_BIN" "$@"; }

# --- 2. daemon ------------------------------------------------------------------------------
step "docker daemon"
# One smoke run at a time on this machine: they would share the data root.
mkdir -p "$STATE_DIR"
exec 9>"$STATE_DIR.lock"
flock -w 900 9 || { say "another docker smoke run holds $STATE_DIR.lock"; exit 1; }
if docker info >/dev/null 2>&1; then
  say "  using the running daemon (${DOCKER_HOST:-default socket})"
else
  mkdir -p "$RUN_DIR"
  export DOCKER_HOST=$SOCKET
  if docker info >/dev/null 2>&1; then
    say "  using the running daemon at $SOCKET"
  else
    dockerd --iptables=false --ip-forward=false --bridge=none \
      --data-root "$STATE_DIR/data" --exec-root "$RUN_DIR" --pidfile "$RUN_DIR/dockerd.pid" \
      --host "$SOCKET" >"$WORK/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    for _ in $(seq 1 150); do
      docker info >/dev/null 2>&1 && break
      kill -0 "$DOCKERD_PID" 2>/dev/null || { say "dockerd exited:"; tail -n 20 "$WORK/dockerd.log" >&2; exit 1; }
      sleep 0.2
    done
    docker info >/dev/null 2>&1 || { say "dockerd did not answer within 30 s"; exit 1; }
    say "  started dockerd (pid $DOCKERD_PID, data root $STATE_DIR/data)"
  fi
fi

# --- 3. base image --------------------------------------------------------------------------
step "base images $BASE_IMAGE, $RUNTIME_IMAGE"
if [ "${COERCE_SMOKE_KEEP_BASE:-1}" = 0 ]; then docker rmi -f "$BASE_IMAGE" "$RUNTIME_IMAGE" >/dev/null 2>&1 || true; fi
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 && docker image inspect "$RUNTIME_IMAGE" >/dev/null 2>&1; then
  say "  cached"
else
  mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  ROOTFS=$(mktemp -d /var/tmp/coerce-rootfs.XXXXXX)
  lap "debootstrap --variant=minbase trixie from $mirror"
  debootstrap --variant=minbase trixie "$ROOTFS" "$mirror" >"$WORK/debootstrap.log" 2>&1 || { tail -n 20 "$WORK/debootstrap.log" >&2; exit 1; }
  mount -t proc proc "$ROOTFS/proc"
  cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
  # Outbound TLS may be re-signed by a local CA: the image must trust what this machine trusts.
  mkdir -p "$ROOTFS/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/" 2>/dev/null || true
  lap "apt-get install nodejs npm ca-certificates (in the rootfs)"
  # (The rootfs has no _apt sandbox user set up for downloads, nor /dev/pts: apt says so, harmlessly.)
  chroot "$ROOTFS" /bin/sh -c 'apt-get -o APT::Sandbox::User=root update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o APT::Sandbox::User=root install -y -qq --no-install-recommends nodejs npm ca-certificates && update-ca-certificates' >"$WORK/rootfs-apt.log" 2>&1 || { tail -n 20 "$WORK/rootfs-apt.log" >&2; exit 1; }
  major=$(chroot "$ROOTFS" node -p 'process.versions.node.split(".")[0]')
  if [ "$major" != 20 ]; then say "Debian trixie's nodejs is Node $major, not 20"; exit 1; fi
  grep -q '^node:' "$ROOTFS/etc/group" || echo 'node:x:1000:' >>"$ROOTFS/etc/group"
  grep -q '^node:' "$ROOTFS/etc/passwd" || echo 'node:x:1000:1000:node:/home/node:/bin/sh' >>"$ROOTFS/etc/passwd"
  mkdir -p "$ROOTFS/home/node" && chown 1000:1000 "$ROOTFS/home/node"
  import_rootfs() {
    chroot "$ROOTFS" apt-get clean
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/*
    umount "$ROOTFS/proc"
    tar -C "$ROOTFS" -c . | docker import \
      --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
      --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
      --change 'CMD ["node"]' - "$1" >/dev/null
    lap "$1: Node $(docker run --rm --network host "$1" node --version), $(docker image inspect --format '{{.Size}}' "$1" | awk '{printf "%d MB", $1/1000000}')"
  }
  : >"$ROOTFS/etc/resolv.conf"
  import_rootfs "$BASE_IMAGE"
  mount -t proc proc "$ROOTFS/proc"
  lap "apt-get purge --auto-remove npm (in the rootfs)"
  chroot "$ROOTFS" /bin/sh -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq --auto-remove npm' >>"$WORK/rootfs-apt.log" 2>&1 || { tail -n 20 "$WORK/rootfs-apt.log" >&2; exit 1; }
  chroot "$ROOTFS" node -e 'require("node:crypto"); require("node:worker_threads")' || { say "node does not run without npm"; exit 1; }
  import_rootfs "$RUNTIME_IMAGE"
  rm -rf "$ROOTFS"
  ROOTFS=''
fi

# --- 4. project image -----------------------------------------------------------------------
step "build $IMAGE"
DOCKER_BUILDKIT=0 docker build --network host --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE" -t "$IMAGE" . >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log" >&2; exit 1; }
say "  $(docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1000000}'), user $(docker image inspect --format '{{.Config.User}}' "$IMAGE")"

# --- 5. cluster -----------------------------------------------------------------------------
step "redis-server and 3 nodes"
# Ten ports free on 127.0.0.1 a moment ago: redis, then cluster, HTTP and chat port per node.
read -r -a PORTS <<<"$(node -e '
  const net = require("node:net"); const servers = []; const ports = []
  const next = () => { if (ports.length === 10) { servers.forEach((s) => s.close()); console.log(ports.join(" ")); return }
    const s = net.createServer().listen(0, "127.0.0.1", () => { servers.push(s); ports.push(s.address().port); next() }) }
  next()')"
REDIS_PORT=${PORTS[0]}
CLUSTER_PORTS=("${PORTS[1]}" "${PORTS[2]}" "${PORTS[3]}")
HTTP_PORTS=("${PORTS[4]}" "${PORTS[5]}" "${PORTS[6]}")
CHAT_PORTS=("${PORTS[7]}" "${PORTS[8]}" "${PORTS[9]}")
SEEDS="127.0.0.1:${CLUSTER_PORTS[0]},127.0.0.1:${CLUSTER_PORTS[1]},127.0.0.1:${CLUSTER_PORTS[2]}"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 100); do grep -q 'Ready to accept connections' "$WORK/redis.log" && break; sleep 0.1; done
grep -q 'Ready to accept connections' "$WORK/redis.log" || { cat "$WORK/redis.log" >&2; exit 1; }
say "  redis-server on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"

for i in 0 1 2; do
  docker run -d --name "coerce-smoke-$$-$i" --label "$LABEL" --network host \
    --health-interval 2s --health-start-period 2s \
    -e "COERCE_NODE_ID=node-$i" \
    -e "COERCE_CLUSTER_LISTEN=127.0.0.1:${CLUSTER_PORTS[$i]}" \
    -e "COERCE_HTTP_HOST=127.0.0.1" -e "COERCE_HTTP_PORT=${HTTP_PORTS[$i]}" \
    -e "COERCE_CHAT_HOST=127.0.0.1" -e "COERCE_CHAT_PORT=${CHAT_PORTS[$i]}" \
    -e "COERCE_SEED_PEERS=$SEEDS" -e "COERCE_CLUSTER_SECRET=$SECRET" \
    -e "COERCE_PERSISTENCE=redis://127.0.0.1:$REDIS_PORT" -e COERCE_WORKERS=1 \
    "$IMAGE" >/dev/null
  say "  node-$i: cluster 127.0.0.1:${CLUSTER_PORTS[$i]}, API http://127.0.0.1:${HTTP_PORTS[$i]}, chat http://127.0.0.1:${CHAT_PORTS[$i]}"
done

# Polls `check` (a node script that exits 0 when satisfied) for up to $2 seconds.
poll_node() {
  local script=$1 limit=$2 url=$3 deadline=$(($(date +%s) + $2))
  while :; do
    if out=$(node -e "$script" "$url" 2>&1); then echo "$out"; return 0; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then say "  no success within ${limit} s on $url: $out"; return 1; fi
    sleep 0.5
  done
}

step "check /health and /cluster/nodes on each node"
HEALTH_JS='fetch(process.argv[1] + "/health").then(async (r) => { const b = await r.json(); if (!r.ok) { console.log(r.status, JSON.stringify(b)); process.exit(1) } console.log(b.status) }, (e) => { console.log(e.cause?.code ?? e.message); process.exit(1) })'
NODES_JS='fetch(process.argv[1] + "/cluster/nodes").then((r) => r.json()).then((b) => { const up = b.nodes.filter((n) => n.status === "up" && n.reachable).map((n) => n.id).sort(); console.log(up.join(",")); process.exit(up.length === 3 ? 0 : 1) }, (e) => { console.log(e.cause?.code ?? e.message); process.exit(1) })'
for i in 0 1 2; do
  url=http://127.0.0.1:${HTTP_PORTS[$i]}
  say "  node-$i /health: $(poll_node "$HEALTH_JS" 60 "$url")"
done
for i in 0 1 2; do
  url=http://127.0.0.1:${HTTP_PORTS[$i]}
  say "  node-$i /cluster/nodes up: $(poll_node "$NODES_JS" 60 "$url")"
done
for i in 0 1 2; do
  name=coerce-smoke-$$-$i
  deadline=$(($(date +%s) + 30))
  until [ "$(docker inspect --format '{{.State.Health.Status}}' "$name")" = healthy ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { say "  node-$i: HEALTHCHECK not healthy after 30 s"; exit 1; }
    sleep 0.5
  done
done
say "  HEALTHCHECK healthy on all 3"

# The sharded chat (the image's app): the page answers on each node, and a WebSocket client on
# node-0 and one on node-2 exchange a message both ways through the stream's entity, wherever
# its shard lives (a small node script with the repository's `ws` package).
CHAT_JS='
  const WebSocket = require(process.cwd() + "/node_modules/ws")
  const [a, b] = process.argv.slice(1)
  const stream = "smoke-" + process.pid
  const open = (port, user) => new Promise((resolve, reject) => {
    const ws = new WebSocket("ws://127.0.0.1:" + port + "/ws"); const frames = []
    ws.on("message", (d) => frames.push(JSON.parse(d.toString())))
    ws.on("open", () => { ws.send(JSON.stringify({ type: "join", stream, user })); resolve({ ws, frames }) })
    ws.on("error", reject)
  })
  const wait = async (c, f, what) => { for (let i = 0; i < 300; i++) { const x = c.frames.find(f); if (x) return x; await new Promise((r) => setTimeout(r, 100)) } throw new Error("no " + what + " within 30 s: " + JSON.stringify(c.frames)) }
  ;(async () => {
    const ca = await open(a, "alice"), cb = await open(b, "bob")
    await wait(ca, (f) => f.type === "history", "history on node-0"); await wait(cb, (f) => f.type === "history", "history on node-2")
    ca.ws.send(JSON.stringify({ type: "post", stream, text: "ping from node-0" }))
    const m1 = await wait(cb, (f) => f.type === "message" && f.text === "ping from node-0", "node-0 message on node-2")
    cb.ws.send(JSON.stringify({ type: "post", stream, text: "pong from node-2" }))
    const m2 = await wait(ca, (f) => f.type === "message" && f.text === "pong from node-2", "node-2 message on node-0")
    ca.ws.send("not json")
    const e = await wait(ca, (f) => f.type === "error", "an error frame")
    if (m1.seq !== 1 || m2.seq !== 2 || e.code !== "bad_json") throw new Error("unexpected: " + JSON.stringify([m1, m2, e]))
    console.log("seq " + m1.seq + " node-0 -> node-2, seq " + m2.seq + " node-2 -> node-0, bad input -> " + e.code)
    ca.ws.close(); cb.ws.close()
  })().catch((e) => { console.log(e.message); process.exit(1) })'
check_chat_round_trip() {
  for i in 0 1 2; do
    code=$(node -e 'fetch(process.argv[1]).then((r) => r.text().then((t) => console.log(r.status, /sharded chat/.test(t) ? "page" : "other")), (e) => console.log(e.cause?.code ?? e.message))' "http://127.0.0.1:${CHAT_PORTS[$i]}/")
    [ "$code" = "200 page" ] || { say "  node-$i chat page: $code"; return 1; }
  done
  say "  chat page on all 3"
  local out
  out=$(timeout 60 node -e "$CHAT_JS" "${CHAT_PORTS[0]}" "${CHAT_PORTS[2]}" 2>&1) || { say "  chat round trip failed: $out"; return 1; }
  say "  chat round trip: $out"
}
step "chat round trip"
check_chat_round_trip

step "docker stop: graceful leave, exit status 0"
for i in 2 1 0; do
  name=coerce-smoke-$$-$i
  docker stop -t 30 "$name" >/dev/null
  code=$(docker inspect --format '{{.State.ExitCode}}' "$name")
  [ "$code" = 0 ] || { say "  node-$i exited with $code after SIGTERM"; exit 1; }
done
say "  all 3 exited 0"
step done
