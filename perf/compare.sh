#!/usr/bin/env bash
# perf/compare.sh — end-to-end comparison of artifacts/valkey-native with Debian's redis-server.
#
# Both servers run on free loopback ports with equivalent settings (no persistence, hz 10,
# 16 databases). The matrix (PING_INLINE SET GET INCR LPUSH RPOP SADD HSET ZADD MSET; -c 50;
# pipelines 1 and 16; values of 3 and 1024 bytes; random keyspace -r 1000000) runs with
#   redis-benchmark -h 127.0.0.1 -p PORT --csv -t TEST -n N -P P -c 50 -d SIZE -r 1000000
# against each server in alternation (round 1: A B for every row, round 2: A B ..., at least 3
# rounds), so drift of the shared machine hits both alike. Each (pipeline, size) group starts
# from an empty keyspace, and runs SET before GET and LPUSH before RPOP as redis-benchmark does.
# Reported per row: requests/s of each server and the ratio ours/redis (medians over rounds),
# p50 and p99 latency of each (redis-benchmark's histogram), and each server's own CPU time per
# request (utime+stime from /proc/PID, refined with per-thread schedstat; in microseconds).
# Then: used_memory and RSS after loading 1M small string keys (key:N -> val:N) into each, bytes
# per key; time from process start to the first PONG; binary size; idle RSS.
# With --record it appends a dated markdown section (machine, versions, exact commands, tables)
# to perf/RESULTS.md. Linux only (/proc). './perf/compare.sh --help' lists the options.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS_MD="$ROOT/perf/RESULTS.md"

REQUESTS=100000          # per run at -P 1
REQUESTS_PIPELINED=""    # per run at -P >1 (default: 5x REQUESTS)
CLIENTS=50
PIPELINES="1 16"
SIZES="3 1024"
ROUNDS=3
KEYSPACE=1000000
MEMORY_KEYS=1000000
TESTS="${COMPARE_TESTS:-ping_inline set get incr lpush rpop sadd hset zadd mset}"
# Tests whose payload does not depend on -d run at the first size only.
SIZE_FREE_TESTS=" ping_inline incr "
RECORD=0
BINARY="${VALKEY_NATIVE_BINARY:-$ROOT/artifacts/valkey-native}"
REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
BENCH_TIMEOUT=600   # seconds, per redis-benchmark run

usage() {
    cat <<EOF
Usage: perf/compare.sh [options]

  -n N                 requests per run at -P 1 (default $REQUESTS)
  --n-pipelined N      requests per run at -P 16 (default 5 x the -n value)
  --rounds R           alternation rounds, at least 3 for the record (default $ROUNDS)
  --tests "a b ..."    redis-benchmark tests (default: $TESTS; env COMPARE_TESTS)
  --pipelines "1 16"   pipeline depths (default: $PIPELINES)
  --sizes "3 1024"     value sizes in bytes (default: $SIZES)
  --keyspace N         redis-benchmark -r (default $KEYSPACE)
  --memory-keys N      keys loaded for the memory comparison; 0 skips it (default $MEMORY_KEYS)
  --quick              a smoke run: -n 20000, 1 round, 100000 memory keys
  --record             append a dated markdown section with the results and exact commands to perf/RESULTS.md
  --binary PATH        the valkey-native binary (default: \$VALKEY_NATIVE_BINARY, else artifacts/valkey-native)
  --redis-server PATH  the reference server (default: \$REDIS_SERVER, else /usr/bin/redis-server;
                       Debian's redis-server package is installed if missing and we are root)
  -h, --help           this text
EOF
}

SCRIPT_NAME=compare.sh
# shellcheck source=perf/lib.sh
source "$ROOT/perf/lib.sh"
need_value() { [[ $2 -ge 2 ]] || die "$1 needs a value"; }

INVOCATION="perf/compare.sh${*:+ $*}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        -n|--requests) need_value "$1" $#; REQUESTS="$2"; shift 2 ;;
        -n*) REQUESTS="${1#-n}"; shift ;;
        --n-pipelined) need_value "$1" $#; REQUESTS_PIPELINED="$2"; shift 2 ;;
        --rounds) need_value "$1" $#; ROUNDS="$2"; shift 2 ;;
        --tests) need_value "$1" $#; TESTS="$2"; shift 2 ;;
        --pipelines) need_value "$1" $#; PIPELINES="$2"; shift 2 ;;
        --sizes) need_value "$1" $#; SIZES="$2"; shift 2 ;;
        --keyspace) need_value "$1" $#; KEYSPACE="$2"; shift 2 ;;
        --memory-keys) need_value "$1" $#; MEMORY_KEYS="$2"; shift 2 ;;
        --quick) REQUESTS=20000; ROUNDS=1; MEMORY_KEYS=100000; shift ;;
        --record) RECORD=1; shift ;;
        --binary) need_value "$1" $#; BINARY="$2"; shift 2 ;;
        --redis-server) need_value "$1" $#; REDIS_SERVER="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
REQUESTS_PIPELINED="${REQUESTS_PIPELINED:-$((REQUESTS * 5))}"
for v in REQUESTS REQUESTS_PIPELINED ROUNDS KEYSPACE; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ "$MEMORY_KEYS" =~ ^[0-9]+$ ]] || die "--memory-keys must be a non-negative integer"
[[ -d /proc/self/task ]] || die "this script needs Linux /proc to measure server CPU time"

# ----------------------------------------------------------------------------- prerequisites

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
REDIS_SERVER="$(command -v "$REDIS_SERVER")"
command -v timeout >/dev/null 2>&1 || die "timeout(1) (coreutils) is required"

CLK_TCK="$(getconf CLK_TCK)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/valkey-compare.XXXXXX")"
RESULTS_TSV="$WORK/results.tsv"
: > "$RESULTS_TSV"

# ----------------------------------------------------------------------------- servers

NAMES=(valkey-native redis-server)
BINS=("$BINARY" "$REDIS_SERVER")
SERVER_ARGS=(--bind 127.0.0.1 --save "" --appendonly no --hz 10 --databases 16)
PIDS=()      # every process started (for cleanup)
SPIDS=()     # the running server of each NAMES entry
PORTS=()
CMDS=()

trap cleanup_servers EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }

# launch INDEX PORT DIR: starts the server in the background; sets LAUNCHED_PID.
launch() {
    local idx="$1" port="$2" dir="$3"
    mkdir -p "$dir"
    (cd "$dir" && exec "${BINS[$idx]}" --port "$port" "${SERVER_ARGS[@]}") >"$dir/server.log" 2>&1 &
    LAUNCHED_PID=$!
    PIDS+=("$LAUNCHED_PID")
}

# wait_pong PID PORT POLL_SECONDS: 0 when the server answers PING, 1 when it exited, 2 on timeout.
wait_pong() {
    local pid="$1" port="$2" poll="$3" i
    for ((i = 0; i < 2000; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == "PONG" ]] && return 0
        [[ "$poll" == 0 ]] || sleep "$poll"
    done
    return 2
}

# start_server INDEX: starts it on a free port, waits for PING, records pid/port/command.
start_server() {
    local idx="$1" name="${NAMES[$1]}" port dir rc
    dir="$WORK/$name"
    for _ in 1 2 3; do
        port="$(free_port)"
        step "Starting $name on 127.0.0.1:$port"
        info "${BINS[$idx]} --port $port ${SERVER_ARGS[*]}"
        launch "$idx" "$port" "$dir"
        rc=0
        wait_pong "$LAUNCHED_PID" "$port" 0.05 || rc=$?
        if [[ $rc -eq 0 ]]; then
            PORTS[idx]="$port"
            SPIDS[idx]="$LAUNCHED_PID"
            CMDS[idx]="${BINS[$idx]} --port $port --bind 127.0.0.1 --save \"\" --appendonly no --hz 10 --databases 16"
            info "pid $LAUNCHED_PID, answering PING"
            return 0
        fi
        if [[ $rc -eq 1 ]] && grep -qi 'in use' "$dir/server.log" 2>/dev/null; then
            info "port $port was taken, retrying"
            continue
        fi
        stop_pid "$LAUNCHED_PID"
        printf '%s\n' "---- $name log ----" >&2; tail -n 30 "$dir/server.log" >&2 || true
        die "$name did not start"
    done
    die "$name: no free port after 3 attempts"
}

# startup_ms INDEX: median over 3 launches of the time from exec to the first PONG (busy polling).
startup_ms() {
    local idx="$1" port t0 t1 rc samples=()
    for _ in 1 2 3; do
        port="$(free_port)"
        t0="$(now_ns)"
        launch "$idx" "$port" "$WORK/startup-${NAMES[$idx]}"
        rc=0
        wait_pong "$LAUNCHED_PID" "$port" 0 || rc=$?
        t1="$(now_ns)"
        stop_pid "$LAUNCHED_PID"
        [[ $rc -eq 0 ]] || { echo "-"; return 0; }
        samples+=("$(( (t1 - t0) / 1000 ))")
    done
    printf '%s\n' "${samples[@]}" | sort -n | sed -n 2p | awk '{ printf "%.1f", $1 / 1000 }'
}

rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

info_field() { # PORT SECTION FIELD
    redis-cli -h 127.0.0.1 -p "$1" info "$2" 2>/dev/null | tr -d '\r' | sed -n "s/^$3:\(.*\)/\1/p" | head -n 1
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

# ----------------------------------------------------------------------------- static facts

server_version() {
    redis-cli -h 127.0.0.1 -p "$1" info server 2>/dev/null | tr -d '\r' |
        sed -n 's/^\(valkey_version\|redis_version\):\(.*\)/\2/p' | head -n 1
}

step "Startup time (exec to first PONG, median of 3, busy polling with redis-cli)"
STARTUP=("$(startup_ms 0)" "$(startup_ms 1)")
info "valkey-native: ${STARTUP[0]} ms; redis-server: ${STARTUP[1]} ms"

start_server 0
start_server 1
VERSIONS=("$(server_version "${PORTS[0]}")" "$(server_version "${PORTS[1]}")")
sleep 0.5
IDLE_RSS=("$(rss_kb "${SPIDS[0]}")" "$(rss_kb "${SPIDS[1]}")")
BIN_SIZE=("$(stat -L -c %s "${BINS[0]}")" "$(stat -L -c %s "${BINS[1]}")")
info "idle RSS: valkey-native ${IDLE_RSS[0]} kB, redis-server ${IDLE_RSS[1]} kB"

# ----------------------------------------------------------------------------- the matrix

requests_for() { if [[ "$1" == 1 ]]; then echo "$REQUESTS"; else echo "$REQUESTS_PIPELINED"; fi; }

bench_cmd() { # PORT TEST PIPELINE SIZE
    echo "redis-benchmark -h 127.0.0.1 -p $1 --csv -t $2 -n $(requests_for "$3") -P $3 -c $CLIENTS -d $4 -r $KEYSPACE"
}

rows_per_round=0
for p in $PIPELINES; do
    first_size=1
    for d in $SIZES; do
        for t in $TESTS; do
            if [[ $first_size -eq 0 && "$SIZE_FREE_TESTS" == *" $t "* ]]; then continue; fi
            rows_per_round=$((rows_per_round + 1))
        done
        first_size=0
    done
done
total_runs=$((rows_per_round * 2 * ROUNDS))
run=0
failures=0
step "Running $total_runs redis-benchmark runs: $ROUNDS rounds x $rows_per_round rows x 2 servers, alternating"
info "(-c $CLIENTS, -n $REQUESTS at -P 1 / $REQUESTS_PIPELINED pipelined, -r $KEYSPACE; pipelines: $PIPELINES; sizes: $SIZES)"
for ((round = 1; round <= ROUNDS; round++)); do
    for p in $PIPELINES; do
        first_size=1
        for d in $SIZES; do
            # Every (pipeline, size) group starts from an empty keyspace on both servers.
            for idx in 0 1; do redis-cli -h 127.0.0.1 -p "${PORTS[$idx]}" flushall sync >/dev/null; done
            for t in $TESTS; do
                if [[ $first_size -eq 0 && "$SIZE_FREE_TESTS" == *" $t "* ]]; then continue; fi
                for idx in 0 1; do
                    run=$((run + 1))
                    name="${NAMES[$idx]}"
                    pid="${SPIDS[$idx]}"
                    n="$(requests_for "$p")"
                    cmd="$(bench_cmd "${PORTS[$idx]}" "$t" "$p" "$d")"
                    printf '    [%3d/%d] r%d %-11s -P %-2s -d %-4s %-13s ' "$run" "$total_runs" "$round" \
                        "$(tr '[:lower:]' '[:upper:]' <<<"$t")" "$p" "$d" "$name"
                    kill -0 "$pid" 2>/dev/null || { echo; die "$name (pid $pid) is no longer running; its log: $WORK/$name/server.log"; }
                    ticks_before="$(cpu_ticks "$pid")"
                    threads_before="$(thread_ns "$pid")"
                    out="$WORK/bench-$name-$t-$p-$d-$round.out"
                    rc=0
                    # shellcheck disable=SC2086
                    timeout "$BENCH_TIMEOUT" $cmd >"$out" 2>&1 || rc=$?
                    threads_after="$(thread_ns "$pid")"
                    ticks_after="$(cpu_ticks "$pid" || echo "$ticks_before")"
                    read -r cpu_ns source < <(cpu_delta_ns "$ticks_before" "$ticks_after" "$threads_before" "$threads_after")
                    # CSV: "test","rps","avg","min","p50","p95","p99","max" (latencies in ms)
                    csv="$(grep -v '^"test"' "$out" | grep '^"' | tail -n 1 | tr -d '"' || true)"
                    rps=""; p50=""; p99=""
                    IFS=, read -r _ rps _ _ p50 _ p99 _ <<<"$csv" || true
                    if [[ $rc -ne 0 || -z "${rps:-}" ]]; then
                        failures=$((failures + 1))
                        reason="$(tr '\r' '\n' <"$out" | grep -v '^ *$' | tail -n 1 || true)"
                        [[ $rc -ne 124 ]] || reason="timed out after ${BENCH_TIMEOUT}s"
                        echo "FAILED (exit $rc): ${reason:-no output}"
                        printf '%s\t%s\t%s\t%s\t%s\t-\t-\t-\t-\t%s\t%s\n' "$round" "$name" "$p" "$d" "$t" "$source" "$n" >>"$RESULTS_TSV"
                    else
                        awk -v r="$rps" -v ns="$cpu_ns" -v n="$n" -v a="$p50" -v b="$p99" \
                            'BEGIN { printf "%11.0f req/s  p50 %6.3f  p99 %6.3f ms  %7.3f us CPU/req\n", r, a, b, ns / n / 1000 }'
                        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$p" "$d" "$t" "$rps" "$p50" "$p99" "$cpu_ns" "$source" "$n" >>"$RESULTS_TSV"
                    fi
                done
            done
            first_size=0
        done
    done
done

# ----------------------------------------------------------------------------- memory per key

MEM_TSV="$WORK/memory.tsv"
: > "$MEM_TSV"
load_keys() { # PORT COUNT: key:N -> val:N through redis-cli --pipe, in chunks with progress
    local port="$1" count="$2" chunk=100000 from=0 to
    while [[ $from -lt $count ]]; do
        to=$((from + chunk)); [[ $to -le $count ]] || to=$count
        awk -v a="$from" -v b="$to" 'BEGIN {
            for (i = a; i < b; i++) { k = "key:" i; v = "val:" i
                printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v } }' |
            redis-cli -h 127.0.0.1 -p "$port" --pipe >/dev/null
        from=$to
        printf '\r    loaded %d/%d keys' "$from" "$count"
    done
    echo
}
if [[ $MEMORY_KEYS -gt 0 ]]; then
    step "Memory: $MEMORY_KEYS string keys (key:N -> val:N) into each server"
    for idx in 0 1; do
        port="${PORTS[$idx]}"
        redis-cli -h 127.0.0.1 -p "$port" flushall sync >/dev/null
        sleep 0.5
        used0="$(info_field "$port" memory used_memory)"; rss0="$(rss_kb "${SPIDS[$idx]}")"
        info "${NAMES[$idx]}:"
        load_keys "$port" "$MEMORY_KEYS"
        keys="$(redis-cli -h 127.0.0.1 -p "$port" dbsize)"
        [[ "$keys" == "$MEMORY_KEYS" ]] || die "${NAMES[$idx]} holds $keys keys after loading $MEMORY_KEYS"
        used1="$(info_field "$port" memory used_memory)"; rss1="$(rss_kb "${SPIDS[$idx]}")"
        printf '%s\t%s\t%s\t%s\t%s\n' "${NAMES[$idx]}" "$used0" "$used1" "$rss0" "$rss1" >>"$MEM_TSV"
        redis-cli -h 127.0.0.1 -p "$port" flushall sync >/dev/null
    done
fi

# ----------------------------------------------------------------------------- report

# matrix_table FORMAT(text|md): medians over rounds; ratios are medians of the per-round ratios.
matrix_table() {
    awk -F'\t' -v fmt="$1" '
    function median(list,   n, v, i, j, t) {
        n = split(list, v, " ")
        if (n == 0) return "-"
        for (i = 2; i <= n; i++) { t = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    function add(arr, k, x) { if (x != "-" && x != "") arr[k] = arr[k] " " x }
    function f(x, spec) { return x == "-" ? "-" : sprintf(spec, x) }
    {
        key = $3 SUBSEP $4 SUBSEP $5
        if (!(key in seen)) { seen[key] = 1; order[++count] = key; P[key] = $3; D[key] = $4; T[key] = toupper($5) }
        side = ($2 == "valkey-native") ? "v" : "r"
        rk = key SUBSEP $1
        rps[side, rk] = $6; cpu[side, rk] = ($9 == "-" ? "-" : $9 / $11 / 1000)
        add(RPS, side SUBSEP key, $6); add(P50, side SUBSEP key, $7); add(P99, side SUBSEP key, $8)
        add(CPU, side SUBSEP key, cpu[side, rk]); rounds[rk] = key
    }
    END {
        for (rk in rounds) {
            k = rounds[rk]
            if (rps["v", rk] != "-" && rps["r", rk] != "-" && rps["v", rk] != "" && rps["r", rk] != "" && rps["r", rk] > 0)
                add(TR, k, rps["v", rk] / rps["r", rk])
            if (cpu["v", rk] != "-" && cpu["r", rk] != "-" && cpu["v", rk] != "" && cpu["r", rk] != "" && cpu["r", rk] > 0)
                add(CR, k, cpu["v", rk] / cpu["r", rk])
        }
        hdr = "| Command | -P | -d | ours req/s | redis req/s | throughput ratio | ours p50 ms | redis p50 ms | ours p99 ms | redis p99 ms | ours CPU us/req | redis CPU us/req | CPU/req ratio |"
        if (fmt == "md") { print hdr; print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" }
        else printf "%-11s %3s %5s %11s %11s %7s %8s %8s %8s %8s %8s %8s %7s\n", "Command", "-P", "-d", "ours rps", "redis rps", "ratio", "ours p50", "red p50", "ours p99", "red p99", "ours CPU", "red CPU", "CPU rat"
        for (i = 1; i <= count; i++) {
            k = order[i]
            tr = median(TR[k]); cr = median(CR[k])
            if (tr != "-") { lt[P[k]] += log(tr); nt[P[k]]++ }
            if (cr != "-") { lc[P[k]] += log(cr); nc[P[k]]++ }
            a1 = f(median(RPS["v" SUBSEP k]), "%.0f"); a2 = f(median(RPS["r" SUBSEP k]), "%.0f"); a3 = f(tr, "%.2fx")
            a4 = f(median(P50["v" SUBSEP k]), "%.3f"); a5 = f(median(P50["r" SUBSEP k]), "%.3f")
            a6 = f(median(P99["v" SUBSEP k]), "%.3f"); a7 = f(median(P99["r" SUBSEP k]), "%.3f")
            a8 = f(median(CPU["v" SUBSEP k]), "%.3f"); a9 = f(median(CPU["r" SUBSEP k]), "%.3f"); a10 = f(cr, "%.2fx")
            if (fmt == "md") printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", T[k], P[k], D[k], a1, a2, a3, a4, a5, a6, a7, a8, a9, a10
            else printf "%-11s %3s %5s %11s %11s %7s %8s %8s %8s %8s %8s %8s %7s\n", T[k], P[k], D[k], a1, a2, a3, a4, a5, a6, a7, a8, a9, a10
        }
        for (i = 1; i <= count; i++) {
            p = P[order[i]]
            if (p in done) continue
            done[p] = 1
            gt = nt[p] ? sprintf("%.2fx", exp(lt[p] / nt[p])) : "-"
            gc = nc[p] ? sprintf("%.2fx", exp(lc[p] / nc[p])) : "-"
            if (fmt == "md") printf "| geomean | %s | | | | %s | | | | | | | %s |\n", p, gt, gc
            else printf "%-11s %3s %5s %11s %11s %7s %8s %8s %8s %8s %8s %8s %7s\n", "geomean", p, "", "", "", gt, "", "", "", "", "", "", gc
        }
    }' "$RESULTS_TSV"
}

# facts_table FORMAT: memory per key, startup, binary size, idle RSS.
facts_table() {
    local fmt="$1"
    awk -F'\t' -v fmt="$fmt" -v keys="$MEMORY_KEYS" \
        -v s0="${STARTUP[0]}" -v s1="${STARTUP[1]}" -v b0="${BIN_SIZE[0]}" -v b1="${BIN_SIZE[1]}" \
        -v i0="${IDLE_RSS[0]}" -v i1="${IDLE_RSS[1]}" '
    function row(label, a, b, r) {
        if (fmt == "md") printf "| %s | %s | %s | %s |\n", label, a, b, r
        else printf "%-44s %16s %16s %8s\n", label, a, b, r
    }
    function ratio(a, b) { return (a == "-" || b == "-" || b + 0 == 0) ? "-" : sprintf("%.2fx", a / b) }
    { U[$1] = $3 - $2; R[$1] = ($5 - $4) * 1024 }
    END {
        if (fmt == "md") { print "| | valkey-native | redis-server | ratio |"; print "|---|---:|---:|---:|" }
        else printf "%-44s %16s %16s %8s\n", "", "valkey-native", "redis-server", "ratio"
        if (keys > 0 && ("valkey-native" in U)) {
            uv = U["valkey-native"] / keys; ur = U["redis-server"] / keys
            rv = R["valkey-native"] / keys; rr = R["redis-server"] / keys
            row("used_memory per key (" keys " keys key:N -> val:N)", sprintf("%.1f B", uv), sprintf("%.1f B", ur), ratio(uv, ur))
            row("RSS growth per key", sprintf("%.1f B", rv), sprintf("%.1f B", rr), ratio(rv, rr))
        }
        row("start to first PONG", s0 " ms", s1 " ms", ratio(s0, s1))
        row("binary size", sprintf("%.1f MB", b0 / 1048576), sprintf("%.1f MB", b1 / 1048576), ratio(b0, b1))
        row("idle RSS", sprintf("%.1f MB", i0 / 1024), sprintf("%.1f MB", i1 / 1024), ratio(i0, i1))
    }' "$MEM_TSV"
}

cpu_sources="$(cut -f10 "$RESULTS_TSV" | sort -u | paste -sd, -)"
step "Results (medians over $ROUNDS rounds; ratios are valkey-native / redis-server)"
info "valkey-native: ${VERSIONS[0]:-unknown version} ($BINARY)"
info "redis-server:  ${VERSIONS[1]:-unknown version} ($REDIS_SERVER)"
info "CPU time source: $cpu_sources (schedstat = ns per thread; ticks = utime+stime at 1/$CLK_TCK s)"
echo
matrix_table text
echo
facts_table text

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
        echo "## End-to-end comparison, $(date -u '+%Y-%m-%d %H:%M UTC') — commit $commit"
        echo
        echo "- Machine: $(nproc) CPUs${cpu_model:+ ($cpu_model)}, $(uname -sr); the load generator shares the cores with the server, so only ratios from this run are comparable."
        echo "- valkey-native: ${VERSIONS[0]:-unknown version}; redis-server: ${VERSIONS[1]:-unknown version}; $(redis-benchmark --version 2>/dev/null | head -n 1 || echo redis-benchmark)"
        echo "- $ROUNDS rounds, servers alternating (A B A B ...); medians over rounds; ratios are medians of the per-round ratios, valkey-native / redis-server (throughput ratio > 1 and CPU/req ratio < 1 favour valkey-native)."
        echo "- CPU time per request: server process CPU time during each run / requests (source: $cpu_sources)."
        echo
        echo "Commands:"
        echo
        echo '```sh'
        echo "$INVOCATION"
        echo "${CMDS[0]}"
        echo "${CMDS[1]}"
        echo "# per round, per (pipeline, size) group: FLUSHALL SYNC on both, then for each test, on each server:"
        echo "$(bench_cmd "${PORTS[0]}" TEST P SIZE | sed "s/-n [0-9]*/-n ($REQUESTS at -P 1, $REQUESTS_PIPELINED pipelined)/")"
        echo "# memory: FLUSHALL SYNC (lazy-free defaults would free the old keys in the background, under the measurement), then SET key:N val:N for N < $MEMORY_KEYS via redis-cli --pipe; INFO memory used_memory and /proc/PID VmRSS before and after"
        echo '```'
        echo
        matrix_table md
        echo
        facts_table md
    } >>"$RESULTS_MD"
    info "appended a section to $RESULTS_MD"
fi

if [[ $failures -gt 0 ]]; then
    die "$failures redis-benchmark run(s) failed (see above)"
fi
step "Done"
