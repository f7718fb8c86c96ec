#!/usr/bin/env bash
# perf/growth-latency.sh — worst SET latency while the keyspace grows to N keys (default 10M),
# for artifacts/valkey-native and Debian's redis-server side by side.
#
# Each server starts empty on a free loopback port (no persistence); redis-benchmark then sends
# N SETs of distinct random keys (-r over a range 100x N, so nearly every SET adds a key and the
# table rehashes through every power of two up to N). The latency distribution redis-benchmark
# prints (p50, p99, p99.9, max) is what clients saw while the table grew; the max includes every
# incremental rehash step. Progress is printed as the run goes. Linux only.
#
# Usage: perf/growth-latency.sh [-n KEYS] [-P PIPELINE] [--record]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEYS=10000000
PIPELINE=1
RECORD=0
BINARY="${VALKEY_NATIVE_BINARY:-$ROOT/artifacts/valkey-native}"
REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"

while [[ $# -gt 0 ]]; do
    case "$1" in
        -n) KEYS="$2"; shift 2 ;;
        -P) PIPELINE="$2"; shift 2 ;;
        --record) RECORD=1; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

command -v redis-benchmark >/dev/null || { echo "redis-benchmark not found (apt-get install redis-tools)" >&2; exit 1; }
[[ -x "$BINARY" ]] || { echo "no server binary at $BINARY (run ./build.sh first)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

run_one() {
    local name="$1" port="$2"; shift 2
    "$@" >/dev/null 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    local cmd="redis-benchmark -h 127.0.0.1 -p $port -t set -n $KEYS -r $((KEYS * 100)) -P $PIPELINE -c 50 -d 16"
    echo "==> $name: $cmd" >&2
    local out; out="$(mktemp)"
    # redis-benchmark redraws its progress line with \r; show it as it goes.
    $cmd 2>&1 | tee "$out" | tr '\r' '\n' | grep --line-buffered -E '^SET: rps' | awk 'NR % 20 == 0' >&2 || true
    local keys; keys="$(redis-cli -p "$port" dbsize)"
    local mem; mem="$(redis-cli -p "$port" info memory | tr -d '\r' | sed -n 's/^used_memory_human://p')"
    local pct; pct="$(tr '\r' '\n' <"$out" | awk '/Latency by percentile distribution/{f=1;next} f && /%/ {print}' )"
    local p50 p99 p999 max rps
    p50="$(awk '$1 ~ /^50\.000/ {print $3; exit}' <<<"$pct")"
    p99="$(awk '$1 ~ /^99\.[0-9]+%/ && $1+0 >= 99 {print $3; exit}' <<<"$pct")"
    p999="$(awk '$1+0 >= 99.9 {print $3; exit}' <<<"$pct")"
    max="$(awk '$1 ~ /^100\.000/ {print $3; exit}' <<<"$pct")"
    rps="$(tr '\r' '\n' <"$out" | sed -n 's/^ *throughput summary: \([0-9.]*\) requests per second/\1/p' | tail -n 1)"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$keys" "$mem" "$rps" "$p50" "$p99" "$p999" "$max"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -f "$out"
}

header='| server | keys at end | used_memory | req/s | p50 ms | p99 ms | p99.9 ms | max ms |'
sep='|---|---|---|---|---|---|---|---|'
p1="$(free_port)"; row1="$(run_one valkey-native "$p1" "$BINARY" --port "$p1" --bind 127.0.0.1)"
p2="$(free_port)"; row2="$(run_one redis-server "$p2" "$REDIS_SERVER" --port "$p2" --bind 127.0.0.1 --save "" --appendonly no)"
table="$(printf '%s\n%s\n%s\n%s\n' "$header" "$sep" "$row1" "$row2")"
echo "$table"

if [[ $RECORD -eq 1 ]]; then
    {
        echo
        echo "### SET latency while growing to $KEYS keys ($(date -u '+%Y-%m-%d %H:%M UTC'))"
        echo
        echo "\`perf/growth-latency.sh -n $KEYS -P $PIPELINE\`: redis-benchmark -t set -n $KEYS -r $((KEYS * 100)) -P $PIPELINE -c 50 -d 16 against each server in turn, started empty."
        echo
        echo "$table"
    } >> "$ROOT/perf/RESULTS.md"
    echo "recorded in perf/RESULTS.md"
fi
