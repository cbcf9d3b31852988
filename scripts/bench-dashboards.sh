#!/usr/bin/env bash
# Dashboards and scorecard (docs/PERFORMANCE.md): page render times at --scale 10 over HTTP,
# signed in as each role, and the figures computed from scratch.
# Usage: scripts/bench-dashboards.sh [WORKDIR] [DATABASE_URL]
#   WORKDIR defaults to /tmp/peerstage-bench-dashboards; the SQLite demo database is made
#   there (peerstage demo --scale 10, ~30 s) unless DATABASE_URL names another database that
#   already holds a scale-10 demo.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/peerstage-bench-dashboards}"
mkdir -p "$work"
db="${2:-sqlite://$work/dash.db}"
cargo build --release -q
bin="$PWD/target/release/peerstage"
requests="${REQUESTS:-100}"

if [[ "$db" == sqlite://* && ! -f "${db#sqlite://}" ]]; then
  echo "== demo --scale 10 into $db"
  "$bin" --database-url "$db" demo --scale 10 --seed 42 2>&1 | tail -1
fi
password="bench-password-123"
for role in manager sales product viewer; do
  echo "$password" | "$bin" --database-url "$db" user add --email "$role@bench.example" --role "$role" --password-stdin >/dev/null 2>&1 || true
done

echo "== figures computed from scratch (bench insights, 5 runs)"
"$bin" --database-url "$db" bench insights --runs 5

port=18124
"$bin" --database-url "$db" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

login() { # role email password → cookie jar
  local jar="$work/$1.jar"
  rm -f "$jar"
  curl -s -o /dev/null -c "$jar" --data-urlencode "email=$2" --data-urlencode "password=$3" "http://127.0.0.1:$port/login"
  echo "$jar"
}

stats() {
  python3 -c "
import sys
t = sorted(float(x) * 1000 for x in sys.stdin)
print(f'{sys.argv[1]:10s} {sys.argv[2]:58s} p50 {t[len(t)//2]:6.1f} ms   p99 {t[max(0, int(len(t)*0.99)-1)]:6.1f} ms   max {t[-1]:6.1f} ms')" "$1" "$2"
}

time_page() { # role jar path
  curl -s -o /dev/null -b "$2" "http://127.0.0.1:$port$3" # warm the cache (and check it answers)
  for _ in $(seq 1 "$requests"); do curl -s -o /dev/null -w "%{time_total}\n" -b "$2" "http://127.0.0.1:$port$3"; done | stats "$1" "$3"
}

declare -A jars
jars[admin]=$(login admin admin@demo.peerstage.example peerstage-demo)
for role in manager sales product viewer; do jars[$role]=$(login "$role" "$role@bench.example" "$password"); done
sleep 3 # let the background warmer see the sign-ins' changes

echo "== pages, $requests requests each, one client (warm: figures cached for the revision)"

for role in admin manager sales product viewer; do time_page "$role" "${jars[$role]}" "/"; done
for path in "/scorecard" "/scorecard?segment=smb" "/scorecard/rows?figure=touchpoints" "/scorecard/rows?figure=coverage" \
            "/scorecard/rows?figure=commitments" "/scorecard/rows?figure=nps" "/scorecard/rows?figure=logo_retention" \
            "/scorecard/rows?figure=lifetime_value" "/quarterly-reviews"; do
  time_page admin "${jars[admin]}" "$path"
done
time_page sales "${jars[sales]}" "/scorecard"

echo "== first view after a change (the change invalidates the cache; 10 samples)"
token=$("$bin" --database-url "$db" token create --user admin@demo.peerstage.example --name bench 2>/dev/null | tail -1)
sleep 3
for case in "viewer /" "admin /" "admin /scorecard"; do
  read -r role path <<<"$case"
  for _ in $(seq 1 10); do
    curl -s -o /dev/null -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
      -d '{"kind": "call", "occurred_on": "'"$(date -u +%F)"'", "notes": "bench"}' "http://127.0.0.1:$port/api/v1/accounts/1/touchpoints"
    curl -s -o /dev/null -w "%{time_total}\n" -b "${jars[$role]}" "http://127.0.0.1:$port$path"
  done | stats "$role" "$path (first view after a change)"
done

