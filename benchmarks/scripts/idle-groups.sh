#!/usr/bin/env bash
# What idle groups cost: starts 3 `cairn raft member` processes on loopback serving G groups, waits SETTLE
# seconds (elections, then quiescing after 10 election timeouts), and prints the CPU the three processes use
# over the next 20 idle seconds. A second argument is passed as --quiesce-ticks (0: never quiesce).
#   benchmarks/scripts/idle-groups.sh 200        # default: quiesce
#   benchmarks/scripts/idle-groups.sh 200 0      # never quiesce
set -euo pipefail
GROUPS_N=${1:?usage: idle-groups.sh GROUPS [QUIESCE_TICKS]}
QUIESCE=${2:-}
SETTLE=${SETTLE:-60}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR=$(mktemp -d /tmp/cairn-idle.XXXX)
PEERS=1=127.0.0.1:17001:17101,2=127.0.0.1:17002:17102,3=127.0.0.1:17003:17103
EXTRA=()
[[ -n "$QUIESCE" ]] && EXTRA=(--quiesce-ticks "$QUIESCE")
"$ROOT/bin/cairn" --version > /dev/null 2>&1 || true # build once before starting three at a time
PIDS=()
cleanup() { kill "${PIDS[@]}" 2> /dev/null || true; wait 2> /dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
for i in 1 2 3; do
  "$ROOT/bin/cairn" raft member --id "$i" --peers "$PEERS" --data-dir "$DIR/m$i" --groups "$GROUPS_N" \
    "${EXTRA[@]}" > "$DIR/m$i.log" 2>&1 &
  PIDS+=($!)
done
sleep "$SETTLE"
ticks() { local s=0; for p in "${PIDS[@]}"; do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$s"; }
a=$(ticks); sleep 20; b=$(ticks)
echo "idle groups: groups=$GROUPS_N quiesce-ticks=${QUIESCE:-default} cpu=$(( (b - a) * 100 / $(getconf CLK_TCK) / 20 ))% of one core (3 members, 20 s)"
