#!/usr/bin/env bash
# perf/syscalls-per-request.sh PID PORT — syscalls per request of a running server (ours or
# redis-server) under `redis-benchmark -P 1 -c 50 -t $TESTS -r 1000000`, counted with
# `perf stat` on the syscalls:sys_enter_* tracepoints (root, or perf_event_paranoid <= 1).
# A count per request does not depend on the machine's load (epoll_wait per request does a
# little: fewer events per wake when the server is idle more often). Env: N (requests per test,
# default 200000), TESTS (default get,set,incr,lpush).
set -euo pipefail
pid="${1:?usage: $0 PID PORT}"; port="${2:?usage: $0 PID PORT}"
n="${N:-200000}"; tests="${TESTS:-get,set,incr,lpush}"
out="$(mktemp)"; trap 'rm -f "$out"' EXIT
events="$(perf list 2>/dev/null | grep -o 'syscalls:sys_enter_[a-z0-9_]*' | sort -u |
    grep -E '_(read|write|writev|readv|epoll_wait|epoll_pwait|epoll_ctl|futex|clock_gettime|gettimeofday|sendto|recvfrom|sendmsg|recvmsg|madvise|mmap|munmap|mprotect|sched_yield|nanosleep|clock_nanosleep|accept4|close|brk|poll|ppoll)$' | paste -sd, -)"
perf stat -x, -o "$out" -e "$events,raw_syscalls:sys_enter" -p "$pid" &
sp=$!
sleep 0.5
redis-benchmark -p "$port" -P 1 -c 50 -n "$n" -t "$tests" -r 1000000 --csv | grep -v '^"test"'
kill -INT "$sp"; wait "$sp" || true
total=$(( n * $(tr ',' '\n' <<<"$tests" | wc -l) ))
awk -F, -v total="$total" '$1 + 0 > 0 { printf "%-40s %10d  %.3f/req\n", $3, $1, $1 / total }' "$out"
