#!/usr/bin/env bash
# perf/bgsave-compare.sh — BGSAVE of a ~N MB dataset under a steady write load: valkey-native's
# fork-free copy-on-write snapshot vs Debian's redis-server (fork), same data, same run.
#
# Per server (one after the other, each fresh, RDB written to its own temp dir under $WORK):
#   1. load N MB of string keys key:%012d (VALUE bytes each) with redis-cli --pipe — the names
#      redis-benchmark's -r uses, so the write load overwrites existing values (copy-on-write work)
#   2. an idle BGSAVE (duration T0, used to size the load runs)
#   3. baseline: redis-benchmark SET -r KEYS -d VALUE -c CLIENTS -n M, no save (p99, p99.9)
#   4. the same benchmark again; 0.3 s in, a poller sends BGSAVE and polls INFO every 50 ms until
#      rdb_bgsave_in_progress is 0: p99 and p99.9 during the save (the latency run)
#   5. once more, the poller now also summing, every 50 ms, Pss (/proc/PID/smaps_rollup) of the
#      server and its children (redis' fork child) and reading RssAnon (/proc/PID/status): peak
#      extra memory is the peak minus the value just before BGSAVE. Pss counts a page shared by
#      parent and fork child once, so the sum is the real memory used. Separate from step 4
#      because each smaps read walks the heap's page tables in the kernel without a preemption
#      point (PREEMPT_NONE kernels) and delays a server thread woken on that CPU by milliseconds;
#      the table also shows step 5's p99.9. M = 3 x rps x T0 of the first server (ours), the same
#      M for both, so the load spans the save (slower under load); the table says whether it did.
# Prints progress as it goes and a markdown table at the end. Linux only; root not needed.
#
# --rate R replaces redis-benchmark by a steady load of R SET/s (one connection, one request at a
# time, latency of each measured; runs 3 x the idle save time) — a moderate load instead of a saturating one.
# Usage: perf/bgsave-compare.sh [--size-mb 2048] [--value 1000] [--clients 20] [--rate R] [--port 21208] [--redis-port 21308]
# Env: VALKEY_NATIVE_BINARY (default artifacts/valkey-native), REDIS_SERVER (default /usr/bin/redis-server)
set -euo pipefail

SCRIPT_NAME=bgsave-compare
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/perf/lib.sh"

SIZE_MB=2048
VALUE=1000
CLIENTS=20
RATE=""
PORT=21208
REDIS_PORT=21308
BINARY="${VALKEY_NATIVE_BINARY:-$ROOT/artifacts/valkey-native}"
REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --size-mb) SIZE_MB="$2"; shift 2 ;;
        --value) VALUE="$2"; shift 2 ;;
        --clients) CLIENTS="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --redis-port) REDIS_PORT="$2"; shift 2 ;;
        --rate) RATE="$2"; shift 2 ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) die "unknown option $1" ;;
    esac
done

command -v redis-benchmark >/dev/null || install_debian_packages redis-tools
command -v redis-cli >/dev/null || install_debian_packages redis-tools
[[ -x "$REDIS_SERVER" ]] || install_debian_packages redis-server
[[ -x "$BINARY" ]] || die "no server binary at $BINARY (build it first)"

KEYS=$((SIZE_MB * 1024 * 1024 / VALUE))
WORK="$(mktemp -d /tmp/bgsave-compare.XXXXXX)"
PIDS=()
trap cleanup_servers EXIT

# ---- helpers ------------------------------------------------------------------------------

cat >"$WORK/sampler.py" <<'PY'
import socket, sys, time

pid, port = int(sys.argv[1]), int(sys.argv[2])
# "light": only poll INFO until the save ends (no /proc walks): for the latency runs.
light = len(sys.argv) > 3 and sys.argv[3] == "light"

def rollup(p, field):
    try:
        with open(f"/proc/{p}/smaps_rollup") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def status(p, field):
    try:
        with open(f"/proc/{p}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def children(p):
    try:
        with open(f"/proc/{p}/task/{p}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []

def pss_total():
    if light:
        return 0
    return rollup(pid, "Pss") + sum(rollup(c, "Pss") for c in children(pid))

sock = socket.create_connection(("127.0.0.1", port))
buf = b""
def command(*args):
    global buf
    sock.sendall(b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a), a) for a in args]))
    while True:
        if buf[:1] == b"$" and b"\r\n" in buf:
            head, rest = buf.split(b"\r\n", 1)
            n = int(head[1:])
            if len(rest) >= n + 2:
                buf = rest[n + 2:]
                return rest[:n].decode()
        elif buf[:1] in (b"+", b"-", b":") and b"\r\n" in buf:
            line, buf = buf.split(b"\r\n", 1)
            return line.decode()
        buf += sock.recv(1 << 20)

def info_field(text, name):
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return ""

base_pss = pss_total()
base_anon = 0 if light else status(pid, "RssAnon")
start = time.monotonic()
reply = command(b"BGSAVE")
if not reply.startswith("+"):
    print(f"BGSAVE failed: {reply}", file=sys.stderr)
    sys.exit(1)
peak_pss, peak_anon, samples, last_print = base_pss, base_anon, 0, start
while True:
    time.sleep(0.05)
    peak_pss = max(peak_pss, pss_total())
    peak_anon = max(peak_anon, 0 if light else status(pid, "RssAnon"))
    samples += 1
    info = command(b"INFO", b"persistence")
    now = time.monotonic()
    if now - last_print >= 1:
        last_print = now
        print(f"    ... {now - start:5.1f} s, extra Pss {(peak_pss - base_pss) / 1024:7.1f} MB", file=sys.stderr, flush=True)
    if info_field(info, "rdb_bgsave_in_progress") == "0":
        break
duration = time.monotonic() - start
print(f"base_pss_kb={base_pss} peak_extra_pss_kb={peak_pss - base_pss} peak_extra_rssanon_kb={peak_anon - base_anon} "
      f"duration_s={duration:.2f} samples={samples} status={info_field(info, 'rdb_last_bgsave_status')} "
      f"cow_kb={int(info_field(info, 'rdb_last_cow_size') or 0) // 1024}")
PY

cat >"$WORK/steady.py" <<'PY'
import random, socket, sys, time
port, keys, size, rate, seconds, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
sock = socket.create_connection(("127.0.0.1", port))
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
value = b"w" * size
lat = []
start = time.perf_counter()
n = 0
while True:
    now = time.perf_counter()
    if now - start >= seconds:
        break
    due = start + n / rate
    if due > now:
        time.sleep(due - now)
    key = b"key:%012d" % random.randrange(keys)
    t0 = time.perf_counter()
    sock.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, size, value))
    got = b""
    while not got.endswith(b"\r\n"):
        got += sock.recv(64)
    lat.append(time.perf_counter() - t0)
    n += 1
lat.sort()
def p(q): return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
with open(out, "w") as f:
    f.write(f"requests={len(lat)} rps={len(lat) / seconds:.0f} p50={p(0.5):.3f} p99={p(0.99):.3f} p999={p(0.999):.3f} max={lat[-1] * 1000:.3f}\n")
PY

# The dataset, as RESP, streamed (not stored): SET key:%012d <VALUE bytes>.
gen_load() {
    python3 - "$KEYS" "$VALUE" <<'PY'
import sys
keys, size = int(sys.argv[1]), int(sys.argv[2])
out = sys.stdout.buffer
value = (b"v" * size)
tail = b"\r\n$%d\r\n" % size + value + b"\r\n"
chunk = []
for i in range(keys):
    key = b"key:%012d" % i
    chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s%s" % (len(key), key, tail))
    if len(chunk) == 4096:
        out.write(b"".join(chunk)); chunk = []
out.write(b"".join(chunk))
PY
}

wait_ready() {
    local port="$1" i
    for ((i = 0; i < 100; i++)); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
    die "server on port $port did not start"
}

wait_no_bgsave() {
    local port="$1"
    while redis-cli -p "$port" info persistence | tr -d '\r' | grep -q '^rdb_bgsave_in_progress:1'; do sleep 0.05; done
}

# bench PORT N OUT: the write load; prints a few progress lines.
bench() {
    local port="$1" n="$2" out="$3"
    if [[ -n "$RATE" ]]; then
        python3 "$WORK/steady.py" "$port" "$KEYS" "$VALUE" "$RATE" "$n" "$out.steady"
        local r; r="$(cat "$out.steady")"
        # Fake the redis-benchmark lines pct/rps parse.
        printf 'Latency by percentile distribution:\n99.000%% <= %s milliseconds\n99.900%% <= %s milliseconds\n  throughput summary: %s requests per second\n' \
            "$(sed -n 's/.* p99=\([0-9.]*\).*/\1/p' <<<"$r")" "$(sed -n 's/.* p999=\([0-9.]*\).*/\1/p' <<<"$r")" "$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$r")" >"$out"
        info "steady load: $r"
        return
    fi
    redis-benchmark -h 127.0.0.1 -p "$port" -t set -n "$n" -r "$KEYS" -d "$VALUE" -c "$CLIENTS" 2>&1 \
        | tee "$out" | tr '\r' '\n' | grep --line-buffered -E '^SET: rps' | awk 'NR % 40 == 0 { print "    " $0; fflush() }' >&2 || true
}

pct() { # pct FILE PERCENT -> latency ms of the first bucket >= PERCENT
    tr '\r' '\n' <"$1" | awk -v p="$2" '/Latency by percentile distribution/{f=1;next} f && /%/ { v=$1; sub(/%/,"",v); if (v+0 >= p) { print $3; exit } }'
}
rps() { tr '\r' '\n' <"$1" | sed -n 's/^ *throughput summary: \([0-9.]*\) requests per second/\1/p' | tail -n 1; }

RESULTS=()
LOAD_N=""
LOAD_SECONDS=""

# Before each measured run: the previous save left GBs of dirty page cache, and the kernel's
# writeback of it during the next run stalled both servers by 1-2 ms (p99.9 of a baseline run
# right after the idle save was 4x that of a run 13 s later). Flush it first.
settle() {
    sync
    sleep 1
}

# After the load the main key table is still rehashing into its last, doubled size: the cron
# moves entries 1 ms per tick (both servers, activerehashing), ~20 s for 2M keys, and a request
# arriving during a step waits for it. A baseline measured meanwhile had a p99.9 of ~1 ms, the
# step length, for either server; wait for the rehash to finish (DEBUG HTSTATS) before measuring.
wait_rehash() {
    local port="$1" t0=$SECONDS
    while redis-cli -p "$port" debug htstats 0 2>/dev/null | grep -q "rehashing target"; do
        (( SECONDS - t0 < 180 )) || { info "still rehashing after 180 s; measuring anyway"; return; }
        sleep 1
    done
    info "key table rehash done after $((SECONDS - t0)) s"
}

run_server() {
    local name="$1" port="$2"; shift 2
    step "$name: starting on port $port ($*)"
    "$@" >"$WORK/$name.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_ready "$port"

    step "$name: loading $KEYS keys x $VALUE bytes (~$SIZE_MB MB) with redis-cli --pipe"
    local t0=$SECONDS
    gen_load | redis-cli -p "$port" --pipe --pipe-timeout 600 | tail -n 1 | sed 's/^/    /'
    info "loaded in $((SECONDS - t0)) s; dbsize $(redis-cli -p "$port" dbsize); used_memory $(redis-cli -p "$port" info memory | tr -d '\r' | sed -n 's/^used_memory_human://p'); RssAnon $(awk '/RssAnon/ {print $2, $3}' /proc/$pid/status)"

    step "$name: waiting for the key table's incremental rehash to finish"
    wait_rehash "$port"

    step "$name: idle BGSAVE (sizes the load runs)"
    python3 "$WORK/sampler.py" "$pid" "$port" >"$WORK/$name.idle" || die "idle BGSAVE failed"
    info "$(cat "$WORK/$name.idle")"
    local idle_s; idle_s="$(sed -n 's/.*duration_s=\([0-9.]*\).*/\1/p' "$WORK/$name.idle")"

    step "$name: rate probe"
    local rate="$RATE"
    if [[ -z "$RATE" ]]; then
        bench "$port" 50000 "$WORK/$name.probe"
        rate="$(rps "$WORK/$name.probe")"
    fi
    # The first server sizes the load; the second gets the same number of SETs (same work).
    [[ -n "$LOAD_N" ]] || LOAD_N="$(python3 -c "print(max(100000, int(3 * float('$rate') * float('$idle_s'))))")"
    # --rate: the load runs for 3 x the idle save time (seconds) instead of a request count.
    [[ -z "$RATE" || -n "$LOAD_SECONDS" ]] || LOAD_SECONDS="$(python3 -c "print(max(10.0, 3 * float('$idle_s')))")"
    [[ -z "$RATE" ]] || LOAD_N="$LOAD_SECONDS"
    local n="$LOAD_N"
    info "rps $rate, idle save ${idle_s} s -> $n requests per load run"

    settle
    step "$name: baseline load (no save), $n SETs"
    bench "$port" "$n" "$WORK/$name.base"
    local b99 b999; b99="$(pct "$WORK/$name.base" 99)"; b999="$(pct "$WORK/$name.base" 99.9)"
    info "rps $(rps "$WORK/$name.base"), p99 $b99 ms, p99.9 $b999 ms"

    # Latency and memory are measured in two runs: reading /proc/PID/smaps_rollup walks the page
    # tables of the whole heap inside the kernel, milliseconds per read on GBs, without a
    # preemption point on a PREEMPT_NONE kernel; a server thread woken on that CPU waits for it
    # (seen with perf sched: 3-4 ms scheduling delays, every read, for either server). So the
    # latency run only polls INFO; the memory run samples Pss as before.
    settle
    step "$name: the same load with a BGSAVE 0.3 s in (latency run: the sampler only polls INFO)"
    bench "$port" "$n" "$WORK/$name.save" &
    local bpid=$!
    sleep 0.3
    python3 "$WORK/sampler.py" "$pid" "$port" light >"$WORK/$name.during-light" || die "BGSAVE under load failed"
    local still=yes
    kill -0 "$bpid" 2>/dev/null || still=no
    wait "$bpid" || true
    local s99 s999; s99="$(pct "$WORK/$name.save" 99)"; s999="$(pct "$WORK/$name.save" 99.9)"
    info "$(cat "$WORK/$name.during-light")"
    info "rps $(rps "$WORK/$name.save"), p99 $s99 ms, p99.9 $s999 ms (load still running when the save ended: $still)"

    settle
    step "$name: once more (memory run: Pss sampled every 50 ms)"
    bench "$port" "$n" "$WORK/$name.save-mem" &
    bpid=$!
    sleep 0.3
    python3 "$WORK/sampler.py" "$pid" "$port" >"$WORK/$name.during" || die "BGSAVE under load failed"
    wait "$bpid" || true
    local m999; m999="$(pct "$WORK/$name.save-mem" 99.9)"
    info "$(cat "$WORK/$name.during")"
    info "rps $(rps "$WORK/$name.save-mem"), p99.9 $m999 ms with the Pss sampler"

    local base_mb extra_mb extra_anon_mb dur cow
    base_mb=$(( $(sed -n 's/.*base_pss_kb=\([0-9]*\).*/\1/p' "$WORK/$name.during") / 1024 ))
    extra_mb=$(( $(sed -n 's/.*peak_extra_pss_kb=\([0-9-]*\).*/\1/p' "$WORK/$name.during") / 1024 ))
    extra_anon_mb=$(( $(sed -n 's/.*peak_extra_rssanon_kb=\([0-9-]*\).*/\1/p' "$WORK/$name.during") / 1024 ))
    dur="$(sed -n 's/.*duration_s=\([0-9.]*\).*/\1/p' "$WORK/$name.during-light")"
    cow=$(( $(sed -n 's/.*cow_kb=\([0-9]*\).*/\1/p' "$WORK/$name.during") / 1024 ))
    local pctx; pctx="$(python3 -c "print(f'{100 * $extra_mb / max(1, $base_mb):.1f}%')")"
    RESULTS+=("| $name | $base_mb | $extra_mb ($pctx) | $extra_anon_mb | $cow | $dur / $idle_s | $b99 / $b999 | $s99 / $s999 | $m999 | $still |")

    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    stop_pid "$pid"
    rm -rf "$WORK/$name-dir"
}

step "machine: $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg), $(free -m | awk '/Mem:/ {print $2 " MB RAM, " $7 " MB available"}')"
mkdir -p "$WORK/ours-dir" "$WORK/redis-dir"
run_server ours "$PORT" "$BINARY" --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK/ours-dir" --enable-debug-command yes
run_server redis "$REDIS_PORT" "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK/redis-dir" --enable-debug-command yes
step "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "| server | dataset Pss MB | peak extra Pss MB during save (% of dataset) | peak extra RssAnon MB (server process) | rdb_last_cow_size MB | save s (under load / idle) | p99 / p99.9 ms without save | p99 / p99.9 ms during save | p99.9 ms during save, Pss sampled | load outlasted save |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${RESULTS[@]}"
