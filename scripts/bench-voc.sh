#!/usr/bin/env bash
# Voice-of-customer benchmarks (docs/PERFORMANCE.md, C3 and C4):
#  1. search over 1,000,000 evidence items on SQLite: 1–3 word queries, one filter each;
#  2. themes over 100,000 statements: peerstage's clustering and, in the same run on the same
#     texts, scikit-learn's TfidfVectorizer + MiniBatchKMeans (installed into a venv here, by
#     this script only), with the time ratio and quality measured in the same TF-IDF space;
#  3. themes end to end through the store on a 100,000-item SQLite database.
# Usage: scripts/bench-voc.sh [WORKDIR]   (default /tmp/peerstage-bench-voc; ~15 min, 2 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/peerstage-bench-voc}"
mkdir -p "$work"
cargo build --release -q -p peerstage
bin="$PWD/target/release/peerstage"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== 1. search over 1,000,000 items (SQLite)"
db="sqlite://$work/search.db"
if [[ ! -f "$work/search.db" ]]; then
  "$bin" --database-url "$db" demo --scale 0.2 --seed 42 2>&1 | tail -1
fi
"$bin" --database-url "$db" bench search --items 1000000 --queries 2000 --warmup 200 | tee "$work/search.json"

echo "== 2. themes over 100,000 statements, side by side with scikit-learn"
if [[ ! -x "$work/venv/bin/python" ]]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q scikit-learn
fi
"$bin" bench themes --items 100000 --out "$work/themes" | tee "$work/themes.json"
ours=$(python3 -c "import json,sys; print(json.load(open('$work/themes.json'))['seconds'])")
"$work/venv/bin/python" scripts/bench_voc_themes.py "$work/themes" "$ours" | tee "$work/side-by-side.json"

echo "== 3. themes end to end through the store (100,000 items, SQLite)"
db="sqlite://$work/themes.db"
if [[ ! -f "$work/themes.db" ]]; then
  "$bin" --database-url "$db" demo --scale 0.2 --seed 42 2>&1 | tail -1
fi
"$bin" --database-url "$db" bench themes --end-to-end --items 100000 | tee "$work/themes-e2e.json"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
