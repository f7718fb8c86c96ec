#!/usr/bin/env bash
# perf/instructions-per-request.sh BINARY|redis PORT — user-space instructions per request
# (valgrind callgrind "Ir") of a server at pipeline 1, per redis-benchmark test. Unlike CPU
# time this does not depend on the machine's load, so small per-request overheads can be
# compared between builds and with redis-server on a busy shared machine. Callgrind counts
# every iteration of a rep-prefixed string instruction (rep stosb/movsb in memset/memcpy) as one
# instruction: large memsets and copies weigh more here than in cycles. Kernel work is not
# counted (see perf/syscalls-per-request.sh). Env: N (requests per test, default 20000),
# TESTS (default: ping_inline set get incr lpush rpop sadd hset zadd), SIZE (-d, default 3).
# The AOT binary must not sit next to its .dbg file (valgrind 3.19 rejects that DWARF): the
# script runs a copy from a temporary directory.
set -euo pipefail
bin="${1:?usage: $0 BINARY|redis PORT}"; port="${2:?usage: $0 BINARY|redis PORT}"
n="${N:-20000}"; size="${SIZE:-3}"
tests="${TESTS:-ping_inline set get incr lpush rpop sadd hset zadd}"
work="$(mktemp -d)"
if [[ "$bin" == redis ]]; then cmd=(/usr/bin/redis-server --port "$port" --save "" --appendonly no --hz 10 --databases 16)
else cp "$bin" "$work/server"; cmd=("$work/server" --port "$port" --save "" --appendonly no --hz 10 --databases 16); fi
(cd "$work" && exec valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" --dump-instr=no --collect-jumps=no "${cmd[@]}") >"$work/log" 2>&1 &
vpid=$!
trap 'kill "$vpid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do [[ "$(redis-cli -p "$port" ping 2>/dev/null)" == PONG ]] && break; sleep 0.5; done
for t in $tests; do
    redis-benchmark -p "$port" -P 1 -c 50 -n 2000 -t "$t" -d "$size" -r 1000000 -q >/dev/null 2>&1   # warm-up
    callgrind_control -z "$vpid" >/dev/null 2>&1
    redis-benchmark -p "$port" -P 1 -c 50 -n "$n" -t "$t" -d "$size" -r 1000000 -q >/dev/null 2>&1
    callgrind_control -d "$t" "$vpid" >/dev/null 2>&1
    f="$(ls -t "$work"/cg."$vpid".* | head -n 1)"
    ir="$(awk '/^(summary|totals):/ { print $2; exit }' "$f")"
    printf '%-12s -d %-5s %8.0f Ir/request\n' "$t" "$size" "$(awk -v a="$ir" -v b="$n" 'BEGIN { print a / b }')"
done
