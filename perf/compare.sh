#!/usr/bin/env bash
# perf/compare.sh — side-by-side redis-benchmark of artifacts/valkey-native and Debian's redis-server.
#
# Both servers run on free loopback ports without persistence (--save "" --appendonly no). For each of
# the commands in TESTS (override with -t; default: those the server implements so far), with -P 1 and -P 16 (-c 50, -n N), it runs
#   redis-benchmark -h 127.0.0.1 -p PORT -q -t CMD -n N -P P -c 50
# against each server in turn (one command per run, so the server CPU time can be attributed to it), and
# measures the server's CPU time per request from /proc/<pid>: utime+stime of /proc/<pid>/stat before and
# after the run (clock ticks), refined to nanoseconds with the per-thread /proc/<pid>/task/*/schedstat
# when no thread of the server ended during the run. It prints throughput and CPU/request ratios
# (valkey-native / redis-server: throughput ratio > 1 and CPU ratio < 1 favour valkey-native).
# With --record it appends a dated markdown section with the exact commands to perf/RESULTS.md.
# Linux only (/proc). Run './perf/compare.sh --help' for the options.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS_MD="$ROOT/perf/RESULTS.md"

REQUESTS=100000
CLIENTS=50
PIPELINES="1 16"
# Lists (lpush) join the default once the collections issue lands.
TESTS="${COMPARE_TESTS:-set get incr hset mset}"
RECORD=0
BINARY="${VALKEY_NATIVE_BINARY:-$ROOT/artifacts/valkey-native}"
REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
BENCH_TIMEOUT=600   # seconds, per redis-benchmark run

usage() {
    cat <<EOF
Usage: perf/compare.sh [-n REQUESTS] [--record] [--binary PATH] [--redis-server PATH]

  -n N                 requests per redis-benchmark run (default $REQUESTS)
  --record             append a dated markdown section with the results and exact commands to perf/RESULTS.md
  --binary PATH        the valkey-native binary (default: \$VALKEY_NATIVE_BINARY, else artifacts/valkey-native)
  --redis-server PATH  the reference server (default: \$REDIS_SERVER, else /usr/bin/redis-server;
                       Debian's redis-server package is installed if missing and we are root)
  -h, --help           this text
EOF
}

step() { printf '\n==> [%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
info() { printf '    %s\n' "$*"; }
die()  { printf 'compare.sh: error: %s\n' "$*" >&2; exit 1; }

INVOCATION="perf/compare.sh${*:+ $*}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        -n|--requests)
            [[ $# -ge 2 ]] || die "$1 needs a value"
            REQUESTS="$2"; shift 2 ;;
        -n*) REQUESTS="${1#-n}"; shift ;;
        --record) RECORD=1; shift ;;
        --binary)
            [[ $# -ge 2 ]] || die "$1 needs a value"
            BINARY="$2"; shift 2 ;;
        --redis-server)
            [[ $# -ge 2 ]] || die "$1 needs a value"
            REDIS_SERVER="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
[[ "$REQUESTS" =~ ^[1-9][0-9]*$ ]] || die "-n must be a positive integer (got '$REQUESTS')"
[[ -d /proc/self/task ]] || die "this script needs Linux /proc to measure server CPU time"

# ----------------------------------------------------------------------------- prerequisites

install_debian_packages() {
    if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        die "missing $*: install them (Debian: sudo apt-get install -y $*)"
    fi
    step "Installing $* (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@"
}

missing=()
command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
if [[ ! -x "$REDIS_SERVER" ]] && [[ "$REDIS_SERVER" == /usr/bin/redis-server ]]; then missing+=(redis-server); fi
if [[ ${#missing[@]} -gt 0 ]]; then
    # shellcheck disable=SC2046  # package names: word splitting intended
    install_debian_packages $(printf '%s\n' "${missing[@]}" | sort -u)
fi
[[ -x "$REDIS_SERVER" ]] || die "reference server '$REDIS_SERVER' not found or not executable"
[[ -x "$BINARY" ]] || die "valkey-native binary '$BINARY' not found or not executable (run ./build.sh first)"
BINARY="$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")"
command -v timeout >/dev/null 2>&1 || die "timeout(1) (coreutils) is required"

CLK_TCK="$(getconf CLK_TCK)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/valkey-compare.XXXXXX")"
RESULTS_TSV="$WORK/results.tsv"
: > "$RESULTS_TSV"

# ----------------------------------------------------------------------------- servers

NAMES=(valkey-native redis-server)
PIDS=()      # every process started (for cleanup)
SPIDS=()     # the running server of each NAMES entry
PORTS=()
CMDS=()

cleanup() {
    local pid i
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
    local port tries=0
    while :; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! port_in_use "$port"; then echo "$port"; return 0; fi
        tries=$((tries + 1))
        [[ $tries -lt 100 ]] || die "could not find a free loopback port"
    done
}

# start_server INDEX BINARY: starts it on a free port, waits for PING, records pid/port/command.
start_server() {
    local idx="$1" bin="$2" name="${NAMES[$1]}" port pid dir log i
    dir="$WORK/$name"
    mkdir -p "$dir"
    log="$dir/server.log"
    for _ in 1 2 3; do
        port="$(free_port)"
        step "Starting $name on 127.0.0.1:$port"
        info "$bin --port $port --bind 127.0.0.1 --save \"\" --appendonly no"
        (cd "$dir" && exec "$bin" --port "$port" --bind 127.0.0.1 --save "" --appendonly no) >"$log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        for ((i = 0; i < 100; i++)); do
            if ! kill -0 "$pid" 2>/dev/null; then break; fi
            if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == "PONG" ]]; then
                PORTS[idx]="$port"
                SPIDS[idx]="$pid"
                CMDS[idx]="$bin --port $port --bind 127.0.0.1 --save \"\" --appendonly no"
                info "pid $pid, answering PING"
                return 0
            fi
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            printf '%s\n' "---- $name log ----" >&2; tail -n 30 "$log" >&2 || true
            die "$name did not answer PING within 10 s"
        fi
        if grep -qi 'in use' "$log" 2>/dev/null; then
            info "port $port was taken, retrying"
            continue
        fi
        printf '%s\n' "---- $name log ----" >&2; tail -n 30 "$log" >&2 || true
        die "$name exited during startup"
    done
    die "$name: no free port after 3 attempts"
}

# ----------------------------------------------------------------------------- CPU accounting

# utime+stime of the whole process, in clock ticks (includes threads that have ended).
cpu_ticks() {
    local stat rest
    read -r stat < "/proc/$1/stat" || return 1
    rest="${stat##*) }"
    # shellcheck disable=SC2086
    set -- $rest
    echo $(( ${12} + ${13} ))
}

# "tid:ns tid:ns ..." of the live threads (ns of CPU time from schedstat).
thread_ns() {
    local t v out=""
    for t in /proc/"$1"/task/*; do
        read -r v _ 2>/dev/null < "$t/schedstat" || continue
        out="$out ${t##*/}:$v"
    done
    echo "$out"
}

# cpu_delta_ns TICKS_BEFORE TICKS_AFTER THREADS_BEFORE THREADS_AFTER -> "ns source"
cpu_delta_ns() {
    awk -v tb="$1" -v ta="$2" -v hz="$CLK_TCK" -v before="$3" -v after="$4" 'BEGIN {
        nb = split(before, b, " "); na = split(after, a, " ");
        for (i = 1; i <= na; i++) { split(a[i], kv, ":"); A[kv[1]] = kv[2] }
        ok = (nb > 0 && na > 0); sum = 0
        for (i = 1; i <= nb; i++) {
            split(b[i], kv, ":")
            if (!(kv[1] in A)) { ok = 0; break }
            sum += A[kv[1]] - kv[2]; delete A[kv[1]]
        }
        if (ok) { for (t in A) sum += A[t]; printf "%.0f schedstat\n", sum }
        else printf "%.0f ticks\n", (ta - tb) * 1e9 / hz
    }'
}

# ----------------------------------------------------------------------------- run

bench_cmd() { # PORT TEST PIPELINE
    echo "redis-benchmark -h 127.0.0.1 -p $1 -q -t $2 -n $REQUESTS -P $3 -c $CLIENTS"
}

start_server 0 "$BINARY"
start_server 1 "$REDIS_SERVER"

server_version() {
    redis-cli -h 127.0.0.1 -p "$1" info server 2>/dev/null | tr -d '\r' |
        sed -n 's/^\(valkey_version\|redis_version\):\(.*\)/\2/p' | head -n 1
}
VERSIONS=("$(server_version "${PORTS[0]}")" "$(server_version "${PORTS[1]}")")

total_runs=$(( $(wc -w <<<"$PIPELINES") * $(wc -w <<<"$TESTS") * 2 ))
run=0
failures=0
step "Running $total_runs redis-benchmark runs (-n $REQUESTS -c $CLIENTS, pipelines: $PIPELINES)"
for p in $PIPELINES; do
    for t in $TESTS; do
        for idx in 0 1; do
            run=$((run + 1))
            name="${NAMES[$idx]}"
            pid="${SPIDS[$idx]}"
            port="${PORTS[$idx]}"
            cmd="$(bench_cmd "$port" "$t" "$p")"
            printf '    [%2d/%d] %-6s -P %-2s on %-13s ' "$run" "$total_runs" "$(tr '[:lower:]' '[:upper:]' <<<"$t")" "$p" "$name"
            kill -0 "$pid" 2>/dev/null || { echo; die "$name (pid $pid) is no longer running; its log: $WORK/$name/server.log"; }
            ticks_before="$(cpu_ticks "$pid")"
            threads_before="$(thread_ns "$pid")"
            out="$WORK/bench-$name-$t-$p.out"
            rc=0
            # shellcheck disable=SC2086
            timeout "$BENCH_TIMEOUT" $cmd >"$out" 2>&1 || rc=$?
            threads_after="$(thread_ns "$pid")"
            ticks_after="$(cpu_ticks "$pid" || echo "$ticks_before")"
            read -r cpu_ns source < <(cpu_delta_ns "$ticks_before" "$ticks_after" "$threads_before" "$threads_after")
            rps="$(tr '\r' '\n' <"$out" | sed -n 's/^[A-Z_]*\( ([^)]*)\)\{0,1\}: \([0-9.][0-9.]*\) requests per second.*/\2/p' | tail -n 1)"
            if [[ $rc -ne 0 || -z "$rps" ]]; then
                failures=$((failures + 1))
                reason="$(tr '\r' '\n' <"$out" | grep -v 'rps=' | grep -v '^ *$' | tail -n 1)"
                [[ $rc -ne 124 ]] || reason="timed out after ${BENCH_TIMEOUT}s"
                echo "FAILED (exit $rc): ${reason:-no output}"
                printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$p" "$t" "-" "-" "$source" >>"$RESULTS_TSV"
            else
                awk -v r="$rps" -v ns="$cpu_ns" -v n="$REQUESTS" -v s="$source" \
                    'BEGIN { printf "%12.0f req/s  %8.3f us CPU/req (%s)\n", r, ns / n / 1000, s }'
                printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$p" "$t" "$rps" "$cpu_ns" "$source" >>"$RESULTS_TSV"
            fi
        done
    done
done

# ----------------------------------------------------------------------------- report

# make_table FORMAT(text|md)
make_table() {
    awk -F'\t' -v fmt="$1" -v n="$REQUESTS" '
    function ratio(a, b) { return (a == "-" || b == "-" || b + 0 == 0) ? "-" : sprintf("%.2fx", a / b) }
    function us(ns) { return ns == "-" ? "-" : sprintf("%.3f", ns / n / 1000) }
    function num(r) { return r == "-" ? "-" : sprintf("%.0f", r) }
    {
        key = $2 SUBSEP $3
        if (!(key in seen)) { seen[key] = 1; order[++count] = key; pipe[key] = $2; test[key] = toupper($3) }
        if ($1 == "valkey-native") { vr[key] = $4; vc[key] = $5 } else { rr[key] = $4; rc[key] = $5 }
    }
    END {
        h1 = "Command"; h2 = "-P"; h3 = "valkey-native req/s"; h4 = "redis-server req/s"; h5 = "throughput ratio"
        h6 = "valkey-native CPU us/req"; h7 = "redis-server CPU us/req"; h8 = "CPU/req ratio"
        if (fmt == "md") {
            printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", h1, h2, h3, h4, h5, h6, h7, h8
            print "|---|---:|---:|---:|---:|---:|---:|---:|"
        } else {
            printf "%-8s %3s %20s %20s %17s %25s %24s %14s\n", h1, h2, h3, h4, h5, h6, h7, h8
        }
        for (i = 1; i <= count; i++) {
            k = order[i]
            tr = ratio(vr[k], rr[k]); cr = ratio(vc[k], rc[k])
            if (tr != "-") { lt[pipe[k]] += log(vr[k] / rr[k]); nt[pipe[k]]++ }
            if (cr != "-") { lc[pipe[k]] += log(vc[k] / rc[k]); nc[pipe[k]]++ }
            if (fmt == "md")
                printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", test[k], pipe[k], num(vr[k]), num(rr[k]), tr, us(vc[k]), us(rc[k]), cr
            else
                printf "%-8s %3s %20s %20s %17s %25s %24s %14s\n", test[k], pipe[k], num(vr[k]), num(rr[k]), tr, us(vc[k]), us(rc[k]), cr
        }
        for (i = 1; i <= count; i++) {
            p = pipe[order[i]]
            if (p in done) continue
            done[p] = 1
            gt = nt[p] ? sprintf("%.2fx", exp(lt[p] / nt[p])) : "-"
            gc = nc[p] ? sprintf("%.2fx", exp(lc[p] / nc[p])) : "-"
            if (fmt == "md")
                printf "| geomean | %s | | | %s | | | %s |\n", p, gt, gc
            else
                printf "%-8s %3s %20s %20s %17s %25s %24s %14s\n", "geomean", p, "", "", gt, "", "", gc
        }
    }' "$RESULTS_TSV"
}

cpu_sources="$(cut -f6 "$RESULTS_TSV" | sort -u | paste -sd, -)"
step "Results (-n $REQUESTS, -c $CLIENTS; ratios are valkey-native / redis-server)"
info "valkey-native: ${VERSIONS[0]:-unknown version} ($BINARY)"
info "redis-server:  ${VERSIONS[1]:-unknown version} ($REDIS_SERVER)"
info "CPU time source: $cpu_sources (schedstat = ns per thread; ticks = utime+stime at 1/$CLK_TCK s)"
echo
make_table text

if [[ $RECORD -eq 1 ]]; then
    step "Recording to ${RESULTS_MD#"$ROOT/"}"
    commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n 1)" ]]; then commit="$commit (with uncommitted changes)"; fi
    cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    if [[ ! -s "$RESULTS_MD" ]]; then
        # shellcheck disable=SC2016  # literal backticks (markdown)
        printf '# Performance results\n\nAppended by `perf/compare.sh --record` (or `./build.sh bench -- --record`).\n' >"$RESULTS_MD"
    fi
    {
        echo
        echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — commit $commit"
        echo
        echo "- Machine: $(nproc) CPUs${cpu_model:+ ($cpu_model)}, $(uname -sr)"
        echo "- valkey-native: ${VERSIONS[0]:-unknown version}; redis-server: ${VERSIONS[1]:-unknown version}; $(redis-benchmark --version 2>/dev/null | head -n 1 || echo redis-benchmark)"
        echo "- CPU time per request: server process CPU time during each run / $REQUESTS (source: $cpu_sources)"
        echo "- Ratios are valkey-native / redis-server: throughput ratio > 1 and CPU/req ratio < 1 favour valkey-native."
        echo
        echo "Commands:"
        echo
        echo '```sh'
        echo "$INVOCATION"
        echo "${CMDS[0]}"
        echo "${CMDS[1]}"
        for p in $PIPELINES; do
            for t in $TESTS; do
                echo "$(bench_cmd "${PORTS[0]}" "$t" "$p")   # and the same with -p ${PORTS[1]}"
            done
        done
        echo '```'
        echo
        make_table md
    } >>"$RESULTS_MD"
    info "appended a section to $RESULTS_MD"
fi

if [[ $failures -gt 0 ]]; then
    die "$failures redis-benchmark run(s) failed (see above)"
fi
step "Done"
