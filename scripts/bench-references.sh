#!/usr/bin/env bash
# Reference matching benchmark (docs/PERFORMANCE.md): one request against every customer
# contact of a --scale 10 company (≈100,000 contacts) with 1,000,000 past activities,
# in-process and over HTTP with 50 concurrent clients (wrk).
# Usage: scripts/bench-references.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/peerstage-bench}"
mkdir -p "$work"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release -q
bin="$PWD/target/release/peerstage"
if [ ! -f "$work/src.db" ]; then
  echo "== data: demo --scale 10"
  "$bin" --database-url "sqlite://$work/src.db" demo --scale 10 --seed 42 2>/dev/null
fi
rm -f "$work"/refs.db*
cp "$work/src.db" "$work/refs.db"
db="sqlite://$work/refs.db"

echo "== in-process"
"$bin" --database-url "$db" bench match --add-activities 1000000 --requests 500

echo "== over HTTP, 50 concurrent clients"
id=$("$bin" --database-url "$db" reference request --prospect "Benchmark prospect" --activity reference_call \
      --industry Healthcare --region emea --prefer region --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo "bench-password-123" | "$bin" --database-url "$db" user add --email bench@peerstage.example --role manager --password-stdin >/dev/null
token=$("$bin" --database-url "$db" token create --user bench@peerstage.example --name bench | tail -n 1)
port=18124
"$bin" --database-url "$db" serve --bind "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/api/v1/references/$id/candidates"
curl -fs -H "Authorization: Bearer $token" "$url" >/dev/null   # builds the snapshot once
wrk -t2 -c50 -d20s --latency -H "Authorization: Bearer $token" "$url" | sed -n '/Latency Distribution/,/Requests\/sec/p'
