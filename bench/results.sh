#!/usr/bin/env bash
# Regenerates bench/RESULTS.md from one run of each benchmark: the load/soak bench (bench/load.ts) and the peers
# bench (bench/peers/run.ts). With the defaults it takes about 40 minutes: a 60 s load, a 10-minute soak, and the
# peers (LangChain's and LlamaIndex's BM25 score every chunk per query: about half a second per query each).
#
#   bench/results.sh ../shared/datasets/scifact
#   LOAD_ARGS="--duration 10 --soak-seconds 20" PEERS_ARGS="--max-queries 60 --min-seconds 3" bench/results.sh <dataset>   # a smoke run
#
# Run it on a quiet machine: on 2 cores, anything else running shows up directly in the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=${1:?usage: bench/results.sh <BEIR dataset folder, e.g. ../shared/datasets/scifact>}
out=${RESULTS_FILE:-bench/RESULTS.md}
[ -d bench/peers/node_modules ] || npm --prefix bench/peers ci
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# LOAD_ARGS and PEERS_ARGS stay unquoted: each is a list of options.
load_rc=0
npx tsx bench/load.ts --dataset "$dataset" ${LOAD_ARGS:-} > "$tmp/load.md" || load_rc=$?
peers_rc=0
npx tsx bench/peers/run.ts --dataset "$dataset" ${PEERS_ARGS:-} > "$tmp/peers.md" || peers_rc=$?

{
  echo '# Benchmark results'
  echo
  echo "Written by \`bench/results.sh $dataset\`$([ -n "${LOAD_ARGS:-}${PEERS_ARGS:-}" ] && echo " with LOAD_ARGS=\"${LOAD_ARGS:-}\" PEERS_ARGS=\"${PEERS_ARGS:-}\"") on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ":(exclude)$out" || echo ' (with local changes)')."
  [ -n "${RESULTS_NOTE:-}" ] && { echo; echo "$RESULTS_NOTE"; }
  echo
  echo "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr), node $(node --version); what each figure means: bench/README.md."
  echo
  echo '## Load and soak (issue 9, item 1)'
  cat "$tmp/load.md"
  [ "$load_rc" -eq 0 ] || { echo; echo "**bench/load.ts exited with $load_rc**: see its verdict above."; }
  echo
  echo '## Peers side by side (issue 9, item 5)'
  cat "$tmp/peers.md"
  [ "$peers_rc" -eq 0 ] || { echo; echo "**bench/peers/run.ts exited with $peers_rc**."; }
} > "$out"
echo "wrote $out" >&2
exit $(( load_rc || peers_rc ))
