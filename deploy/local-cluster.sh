#!/usr/bin/env bash
# A local Parley cluster on loopback: PostgreSQL databases (a directory and 2 conversation
# shards) on the machine's PostgreSQL, a NATS server, 3 Parley nodes sharing one JWT key, and
# HAProxy in front (deploy/haproxy.cfg.in). Prints the URL; Ctrl-C stops everything and drops
# the databases (KEEP_DATA=1 keeps them).
#
#   deploy/local-cluster.sh                 # http://127.0.0.1:8080
#   PARLEY_LB_PORT=9000 deploy/local-cluster.sh
#   PARLEY_SHARDS=0 deploy/local-cluster.sh # one database for everything
#
# Environment:
#   PARLEY_LB_PORT      balancer port (default 8080); nodes listen on the next 3 ports
#   PARLEY_NATS_PORT    port of the NATS server started here (default 4322; not the system 4222)
#   PARLEY_PG_ADMIN_URL a role that may CREATE DATABASE (default postgres://postgres@127.0.0.1:5432/postgres)
#   PARLEY_SHARDS       conversation shard databases (default 2; 0: a single database)
#   KEEP_DATA=1         keep the databases and the work directory on exit
#
# Needs: node (and a built server: `npx tsc -b packages/server`), psql, nats-server, haproxy.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

LB_PORT=${PARLEY_LB_PORT:-8080}
NATS_PORT=${PARLEY_NATS_PORT:-4322}
ADMIN_URL=${PARLEY_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
SHARDS=${PARLEY_SHARDS:-2}
NODES=3

die() { echo "local-cluster: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }
need node "install Node.js 20 or later"
need psql "apt-get install -y postgresql-client"
need nats-server "apt-get install -y nats-server"
need haproxy "apt-get install -y haproxy"
[ -f packages/server/dist/cli.js ] || die "the server is not built: npx tsc -b packages/server"
psql "$ADMIN_URL" -qAtc 'select 1' >/dev/null 2>&1 ||
  die "PostgreSQL is not reachable at $ADMIN_URL: start it with \`pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start\`"

WORK=$(mktemp -d -t parley-cluster-XXXXXX)
PREFIX="parley_local_$$"
PIDS=()
DBS=()

db_url() { # the admin URL with another database name
  node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' "$ADMIN_URL" "$1"
}

cleanup() {
  trap - INT TERM EXIT
  echo
  echo "local-cluster: stopping"
  # Reverse order: balancer, nodes (SIGTERM: they drain), NATS.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_DATA:-0}" != 1 ]; then
    for db in "${DBS[@]}"; do psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true; done
    rm -rf "$WORK"
  else
    echo "local-cluster: kept databases ${DBS[*]} and $WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- PostgreSQL -------------------------------------------------------------------------------
if [ "$SHARDS" -gt 0 ]; then
  names=("${PREFIX}_dir")
  for ((s = 1; s <= SHARDS; s++)); do names+=("${PREFIX}_s$s"); done
else
  names=("$PREFIX")
fi
urls=()
for db in "${names[@]}"; do
  psql "$ADMIN_URL" -qc "CREATE DATABASE $db" >/dev/null
  DBS+=("$db")
  urls+=("$(db_url "$db")")
done
# One URL, or a list: the directory first, then the conversation shards.
DATABASE_URL=$(IFS=,; echo "${urls[*]}")

# --- NATS -------------------------------------------------------------------------------------
nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$WORK/nats" >"$WORK/nats.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do grep -q 'Server is ready' "$WORK/nats.log" && break; sleep 0.1; done
grep -q 'Server is ready' "$WORK/nats.log" || die "nats-server did not start: $(tail -5 "$WORK/nats.log")"

# --- Parley nodes -----------------------------------------------------------------------------
JWK=$(node -e 'const { generateKeyPairSync } = require("node:crypto");
process.stdout.write(JSON.stringify(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" })))')
servers=""
for ((n = 1; n <= NODES; n++)); do
  port=$((LB_PORT + n))
  mkdir -p "$WORK/node$n"
  PARLEY_HOST=127.0.0.1 PARLEY_PORT=$port PARLEY_DATA_DIR="$WORK/node$n" \
    PARLEY_DATABASE_URL="$DATABASE_URL" PARLEY_BUS_URL="nats://127.0.0.1:$NATS_PORT" \
    PARLEY_JWT_PRIVATE_KEY="$JWK" PARLEY_PUBLIC_URL="http://127.0.0.1:$LB_PORT" \
    PARLEY_LOG_LEVEL=${PARLEY_LOG_LEVEL:-warn} \
    node "$ROOT/packages/server/bin/parley.js" start >"$WORK/node$n.log" 2>&1 &
  PIDS+=($!)
  servers+="  server n$n 127.0.0.1:$port"$'\n'
  # The first node migrates the databases; the others start once it is up.
  if [ "$n" = 1 ]; then
    for _ in $(seq 150); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  fi
done
for ((n = 1; n <= NODES; n++)); do
  port=$((LB_PORT + n))
  for _ in $(seq 150); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || die "node $n did not become ready: $(tail -5 "$WORK/node$n.log")"
done

# --- HAProxy ----------------------------------------------------------------------------------
printf '%s' "$servers" >"$WORK/servers"
awk -v bind="127.0.0.1:$LB_PORT" -v list="$WORK/servers" '
  /^[[:space:]]*bind @BIND@$/ { sub(/@BIND@/, bind) }
  /^@SERVERS@$/ { while ((getline line < list) > 0) print line; next }
  { print }
' deploy/haproxy.cfg.in >"$WORK/haproxy.cfg"
haproxy -c -q -f "$WORK/haproxy.cfg" || die "invalid haproxy config: $WORK/haproxy.cfg"
haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$LB_PORT/readyz" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$LB_PORT/readyz" >/dev/null || die "haproxy is not answering: $(tail -5 "$WORK/haproxy.log")"

echo "Parley cluster: http://127.0.0.1:$LB_PORT"
echo "  nodes   127.0.0.1:$((LB_PORT + 1))-$((LB_PORT + NODES)) (logs in $WORK)"
echo "  nats    nats://127.0.0.1:$NATS_PORT"
echo "  storage ${DBS[*]}"
echo "Ctrl-C stops everything."
# Stay in the foreground until Ctrl-C or until a process dies.
wait -n "${PIDS[@]}" || true
echo "local-cluster: a process exited unexpectedly; the ends of the logs:" >&2
tail -n 5 "$WORK"/*.log >&2 || true
exit 1
