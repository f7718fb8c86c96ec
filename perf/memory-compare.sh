#!/usr/bin/env bash
# perf/memory-compare.sh — memory per element of artifacts/valkey-native and Debian's redis-server.
#
# For each case (a data shape chosen to hit one encoding: listpack / hashtable hashes, skiplist /
# listpack sorted sets, intset / hashtable sets, small and huge lists, plain string keys) it starts
# a FRESH redis-server and a FRESH valkey-native on free loopback ports without persistence
# (--save "" --appendonly no), reads each one's empty baseline (INFO used_memory, VmRSS of
# /proc/<pid>/status), loads the same data into each in turn with a pipelined loader (a small
# embedded Python generator writing RESP into `redis-cli --pipe`, progress printed as it goes),
# checks that everything arrived (no error replies, DBSIZE, length and OBJECT ENCODING of a sample
# key), and reports (used_memory - baseline) / elements and (VmRSS - baseline) / elements for both,
# with the ratio ours / redis (below 1.00x = valkey-native uses less).
# An element is a hash field+value, a set/zset member, a list element, a string key+value, or a stream entry.
# A command our binary does not have yet ("ERR unknown command") shows as
# "n/a (command not supported)" on our side instead of failing the run.
#
# Output: a markdown table ready for perf/RESULTS.md (section "Memory per element"); with --record
# a dated section with the exact command is appended to perf/RESULTS.md. It is not part of
# build.sh; run it by hand:
#
#   perf/memory-compare.sh              # full sizes (~27M elements per server; ~1 min on a 2-core VM)
#   perf/memory-compare.sh --quick      # 10x smaller smoke run
#   perf/memory-compare.sh --cases hash-listpack,string --scale 0.5
#
# Linux only (/proc). Needs redis-cli (redis-tools) and python3. './perf/memory-compare.sh --help'.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS_MD="$ROOT/perf/RESULTS.md"

SCALE=1
CASES_WANTED=""
RECORD=0
BATCH=100            # elements per command for keys with more elements than this
BINARY="${VALKEY_NATIVE_BINARY:-$ROOT/artifacts/valkey-native}"
REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
LOAD_TIMEOUT=3600    # seconds, per load of one case into one server
PYTHON="${PYTHON:-python3}"

# id | kind | keys | elements per key | dimension scaled by --scale/--quick | intended encoding
# The dimension that decides the encoding (elements per key for the many-small-keys cases) never scales.
CASE_TABLE="
hash-listpack|hash|1000000|10|keys|listpack
hash-hashtable|hash|1000|1000|keys|hashtable
zset-skiplist|zset|1|1000000|per|skiplist
zset-listpack|zset|100000|10|keys|listpack
set-intset|intset|100000|10|keys|intset
set-hashtable|set|1|1000000|per|hashtable
list-small|list|100000|100|keys|quicklist/listpack
list-big|list|1|1000000|per|quicklist
hash-numeric|hashnum|1000000|10|keys|listpack
list-numeric|listnum|100000|100|keys|quicklist/listpack
string|string|1000000|1|keys|embstr
stream|stream|1|1000000|per|stream
stream-5fields|stream5|1|1000000|per|stream
"

usage() {
    cat <<EOF
Usage: perf/memory-compare.sh [--quick | --scale F] [--cases LIST] [--record] [--binary PATH] [--redis-server PATH]

  --quick              10x smaller sizes (same as --scale 0.1): a smoke run of about a minute
  --scale F            multiply the scalable size of every case by F (default 1)
  --cases LIST         comma-separated case ids (default: all); --list shows them
  --list               list the cases with their sizes and exit
  --batch N            elements per command when a key has more elements than N (default $BATCH)
  --record             append a dated markdown section (command, table, notes) to perf/RESULTS.md
  --binary PATH        the valkey-native binary (default: \$VALKEY_NATIVE_BINARY, else artifacts/valkey-native)
  --redis-server PATH  the reference server (default: \$REDIS_SERVER, else /usr/bin/redis-server;
                       Debian's redis-server package is installed if missing and we are root)
  -h, --help           this text

Data (fixed-width ids, so --quick and full runs store elements of the same size):
  hash    HSET hash:NNNNNNN field:JJJJJJJ value:JJJJJJJ ...   (13-byte fields and values)
  zset    ZADD zset:NNNNNNN J member:JJJJJJJ ...              (integer scores, 14-byte members)
  intset  SADD iset:NNNNNNN <J*100003+12345> ...              (integers below 2^31: 4-byte intset width)
  set     SADD set:NNNNNNN member:JJJJJJJ ...
  list    RPUSH list:NNNNNNN element:JJJJJJJ ...              (15-byte elements)
  string  SET key:NNNNNNN value:NNNNNNN                       (13-byte values: embstr in both)
  hashnum HSET nhash:NNNNNNN J <J*100003+12345> ...           (integer fields 0-9, 5-6 digit integer values)
  listnum RPUSH nlist:NNNNNNN <J*100003+12345> ...            (5-7 digit integers)
  stream  XADD stream:NNNNNNN * field value                  (one command per entry, auto IDs)
  stream5 XADD stream5:NNNNNNN * f1 value:JJJJJJJ ... f5 value:JJJJJJJ  (5 fields, 13-byte values)
EOF
}

SCRIPT_NAME=memory-compare.sh
# shellcheck source=perf/lib.sh
source "$ROOT/perf/lib.sh"

LIST_ONLY=0
INVOCATION="perf/memory-compare.sh${*:+ $*}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) SCALE=0.1; shift ;;
        --scale)
            [[ $# -ge 2 ]] || die "$1 needs a value"
            SCALE="$2"; shift 2 ;;
        --cases)
            [[ $# -ge 2 ]] || die "$1 needs a value"
            CASES_WANTED="$2"; shift 2 ;;
        --batch)
            [[ $# -ge 2 ]] || die "$1 needs a value"
            BATCH="$2"; shift 2 ;;
        --list) LIST_ONLY=1; shift ;;
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
if ! [[ "$SCALE" =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] || ! awk -v s="$SCALE" 'BEGIN { exit !(s > 0) }'; then
    die "--scale must be a positive number (got '$SCALE')"
fi
[[ "$BATCH" =~ ^[1-9][0-9]*$ ]] || die "--batch must be a positive integer (got '$BATCH')"

# ----------------------------------------------------------------------------- cases

CASE_IDS=()
declare -A C_KIND C_KEYS C_PER C_ENC
while IFS='|' read -r id kind keys per dim enc; do
    [[ -n "$id" ]] || continue
    if [[ "$dim" == keys ]]; then
        keys="$(awk -v n="$keys" -v s="$SCALE" 'BEGIN { v = int(n * s + 0.5); print (v < 1 ? 1 : v) }')"
    else
        per="$(awk -v n="$per" -v s="$SCALE" 'BEGIN { v = int(n * s + 0.5); print (v < 1 ? 1 : v) }')"
    fi
    CASE_IDS+=("$id")
    C_KIND[$id]="$kind"; C_KEYS[$id]="$keys"; C_PER[$id]="$per"; C_ENC[$id]="$enc"
done <<<"$CASE_TABLE"

# 1000000 -> 1M, 100000 -> 100k, 1500 -> 1,500
human_count() {
    awk -v n="$1" 'BEGIN {
        if (n >= 1000000 && n % 1000000 == 0) { printf "%dM", n / 1000000; exit }
        if (n >= 10000 && n % 1000 == 0) { printf "%dk", n / 1000; exit }
        s = sprintf("%d", n); out = ""
        while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
        printf "%s%s", s, out
    }'
}

case_label() { # ID -> "1M hashes of 10 fields (listpack)"
    local id="$1" k p noun unit
    k="$(human_count "${C_KEYS[$id]}")"; p="$(human_count "${C_PER[$id]}")"
    case "${C_KIND[$id]}" in
        hash) noun="hash"; unit="fields" ;;
        zset) noun="sorted set"; unit="members" ;;
        intset) noun="set"; unit="integers" ;;
        set) noun="set"; unit="strings" ;;
        list) noun="list"; unit="elements" ;;
        hashnum) noun="hash"; unit="integer fields" ;;
        listnum) noun="list"; unit="integers" ;;
        stream) noun="stream"; unit="entries of 1 field (XADD * field value)" ;;
        stream5) noun="stream"; unit="entries of 5 fields" ;;
        string) echo "$k string keys (${C_ENC[$id]})"; return ;;
    esac
    if [[ "${C_KEYS[$id]}" -eq 1 ]]; then
        echo "1 $noun of $p $unit (${C_ENC[$id]})"
    else
        local plural="${noun}s"; [[ "$noun" == hash ]] && plural=hashes
        echo "$k $plural of $p $unit (${C_ENC[$id]})"
    fi
}

SELECTED=()
if [[ -z "$CASES_WANTED" ]]; then
    SELECTED=("${CASE_IDS[@]}")
else
    IFS=',' read -r -a wanted <<<"$CASES_WANTED"
    for w in "${wanted[@]}"; do
        [[ -n "${C_KIND[$w]+x}" ]] || die "unknown case '$w' (known: ${CASE_IDS[*]})"
        SELECTED+=("$w")
    done
fi

if [[ $LIST_ONLY -eq 1 ]]; then
    for id in "${CASE_IDS[@]}"; do
        printf '%-15s %-50s %12s elements\n' "$id" "$(case_label "$id")" "$((C_KEYS[$id] * C_PER[$id]))"
    done
    exit 0
fi
[[ -d /proc/self/task ]] || die "this script needs Linux /proc"

# ----------------------------------------------------------------------------- prerequisites

missing=()
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v "$PYTHON" >/dev/null 2>&1 || missing+=(python3)
if [[ ! -x "$REDIS_SERVER" ]] && [[ "$REDIS_SERVER" == /usr/bin/redis-server ]]; then missing+=(redis-server); fi
if [[ ${#missing[@]} -gt 0 ]]; then
    # shellcheck disable=SC2046  # package names: word splitting intended
    install_debian_packages $(printf '%s\n' "${missing[@]}" | sort -u)
fi
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
[[ -x "$REDIS_SERVER" ]] || die "reference server '$REDIS_SERVER' not found or not executable"
[[ -x "$BINARY" ]] || die "valkey-native binary '$BINARY' not found or not executable (run ./build.sh first)"
BINARY="$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")"
command -v timeout >/dev/null 2>&1 || die "timeout(1) (coreutils) is required"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/valkey-memory.XXXXXX")"
RESULTS_TSV="$WORK/results.tsv"
: > "$RESULTS_TSV"

# ----------------------------------------------------------------------------- the loader

# gen.py KIND KEYS PER BATCH WHAT: writes the RESP commands of a case to stdout and its
# progress to stderr. Ids are zero-padded to a fixed width, so every key of a case is the same
# command with different digits: one template, patched per key.
cat >"$WORK/gen.py" <<'PY'
import os, sys, time

kind, keys, per, batch, what = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
width = max(7, len(str(max(keys, per) - 1)))
prefix, cmd = {
    "hash": (b"hash:", b"HSET"), "zset": (b"zset:", b"ZADD"), "intset": (b"iset:", b"SADD"),
    "set": (b"set:", b"SADD"), "list": (b"list:", b"RPUSH"), "string": (b"key:", b"SET"),
    "hashnum": (b"nhash:", b"HSET"), "listnum": (b"nlist:", b"RPUSH"),
    "stream": (b"stream:", b"XADD"), "stream5": (b"stream5:", b"XADD"),
}[kind]
args_per_elem = 2 if kind in ("hash", "zset", "hashnum") else 1

def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)

def num(j):
    return b"%0*d" % (width, j)

def elem(j):
    if kind == "hash":
        return bulk(b"field:" + num(j)) + bulk(b"value:" + num(j))
    if kind == "zset":
        return bulk(b"%d" % j) + bulk(b"member:" + num(j))
    if kind == "intset" or kind == "listnum":
        return bulk(b"%d" % (j * 100003 + 12345))
    if kind == "hashnum":
        return bulk(b"%d" % j) + bulk(b"%d" % (j * 100003 + 12345))
    if kind == "set":
        return bulk(b"member:" + num(j))
    return bulk(b"element:" + num(j))

total = keys * per
out = sys.stdout.buffer
tty = os.isatty(2)
start = last = time.monotonic()
done = 0
pending, pending_bytes = [], 0

def progress(final=False):
    global last
    now = time.monotonic()
    if not final and now - last < (0.5 if tty else 5.0):
        return
    last = now
    rate = done / max(now - start, 1e-9)
    line = "    %s: %3d%% (%d/%d elements, %.0fk elements/s, %.0f s)" % (
        what, 100 * done // max(total, 1), done, total, rate / 1000, now - start)
    sys.stderr.write(("\r" + line + ("\n" if final else "")) if tty else line + "\n")
    sys.stderr.flush()

def emit(b):
    global pending_bytes
    pending.append(b)
    pending_bytes += len(b)
    if pending_bytes >= 1 << 20:
        flush()

def flush():
    global pending, pending_bytes
    out.write(b"".join(pending))
    out.flush()
    pending, pending_bytes = [], 0

try:
    sentinel = b"#" * width
    if kind in ("stream", "stream5"):
        # One XADD per entry (an element is an entry), with an auto-generated ID.
        for i in range(keys):
            head = b"*%d\r\n" % (3 + (2 if kind == "stream" else 10)) + bulk(cmd) + bulk(prefix + num(i)) + bulk(b"*")
            for j in range(per):
                if kind == "stream":
                    emit(head + bulk(b"field") + bulk(b"value"))
                else:
                    v = bulk(b"value:" + num(j))
                    emit(head + b"".join(bulk(b"f%d" % f) + v for f in range(1, 6)))
                done += 1
                if j & 4095 == 0:
                    progress()
    elif per <= batch:
        # One command per key: a template with the key id (and, for strings, the value id) patched in.
        body = bulk(b"value:" + sentinel) if kind == "string" else b"".join(elem(j) for j in range(per))
        template = b"*%d\r\n" % (2 + per * args_per_elem) + bulk(cmd) + bulk(prefix + sentinel) + body
        for i in range(keys):
            emit(template.replace(sentinel, num(i)))
            done += per
            if i & 1023 == 0:
                progress()
    else:
        encoded = [elem(j) for j in range(per)]
        head = bulk(cmd)
        for i in range(keys):
            key = bulk(prefix + num(i))
            for s in range(0, per, batch):
                n = min(batch, per - s)
                emit(b"*%d\r\n" % (2 + n * args_per_elem) + head + key + b"".join(encoded[s:s + n]))
                done += n
                progress()
    flush()
    progress(final=True)
except BrokenPipeError:
    sys.stderr.write("\n    %s: the loader's reader went away after %d elements\n" % (what, done))
    sys.exit(1)
PY

# ----------------------------------------------------------------------------- servers

NAMES=(redis-server valkey-native)
PIDS=()      # every process started (for cleanup)
SPIDS=()     # the running server of each NAMES entry
PORTS=()
SERVER_ARGS='--port PORT --bind 127.0.0.1 --save "" --appendonly no'
LOADER_CMD="python3 <generator> KIND KEYS PER $BATCH | redis-cli -h 127.0.0.1 -p PORT --pipe --pipe-timeout 300"

trap cleanup_servers EXIT
trap 'exit 130' INT TERM

# start_server INDEX BINARY: starts it on a free port, waits for PING, records pid/port/command.
start_server() {
    local idx="$1" bin="$2" name="${NAMES[$1]}" port pid dir log i
    dir="$WORK/$name"
    mkdir -p "$dir"
    log="$dir/server.log"
    for _ in 1 2 3; do
        port="$(free_port)"
        (cd "$dir" && exec "$bin" --port "$port" --bind 127.0.0.1 --save "" --appendonly no) >"$log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        for ((i = 0; i < 100; i++)); do
            if ! kill -0 "$pid" 2>/dev/null; then break; fi
            if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == "PONG" ]]; then
                PORTS[idx]="$port"
                SPIDS[idx]="$pid"
                info "$name: pid $pid on 127.0.0.1:$port"
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

cli() { # PORT ARGS...
    local port="$1"; shift
    redis-cli -h 127.0.0.1 -p "$port" "$@" 2>&1 | tr -d '\r'
}

info_field() { # PORT FIELD
    cli "$1" info memory | sed -n "s/^$2://p" | head -n 1
}

rss_bytes() { # PID
    awk '/^VmRSS:/ { print $2 * 1024; exit }' "/proc/$1/status"
}

# used_memory once two readings 0.5 s apart agree (incremental rehashing, lazy frees and the
# cron's deferred releases have settled), at most ~10 s.
settled_used_memory() { # PORT
    local prev cur i
    prev="$(info_field "$1" used_memory)"
    for ((i = 0; i < 20; i++)); do
        sleep 0.5
        cur="$(info_field "$1" used_memory)"
        [[ "$cur" == "$prev" ]] && break
        prev="$cur"
    done
    echo "$cur"
}

# ----------------------------------------------------------------------------- one case

probe_args() { # KIND -> a one-element command for the kind, on key __memprobe__
    case "$1" in
        hash|hashnum) echo "HSET __memprobe__ f v" ;;
        zset) echo "ZADD __memprobe__ 1 m" ;;
        intset) echo "SADD __memprobe__ 1" ;;
        set) echo "SADD __memprobe__ m" ;;
        list|listnum) echo "RPUSH __memprobe__ e" ;;
        string) echo "SET __memprobe__ v" ;;
        stream|stream5) echo "XADD __memprobe__ * f v" ;;
    esac
}

length_cmd() { # KIND
    case "$1" in
        hash|hashnum) echo HLEN ;; zset) echo ZCARD ;; intset|set) echo SCARD ;; list|listnum) echo LLEN ;; string) echo STRLEN ;; stream|stream5) echo XLEN ;;
    esac
}

sample_key() { # KIND KEYS PER -> the first key the loader writes (ids are at least 7 digits wide)
    local prefix width=7 max=$(( $2 > $3 ? $2 : $3 ))
    (( ${#max} > width )) && width=${#max}
    case "$1" in
        hash) prefix="hash" ;; zset) prefix="zset" ;; intset) prefix="iset" ;; set) prefix="set" ;;
        list) prefix="list" ;; string) prefix="key" ;; hashnum) prefix="nhash" ;; listnum) prefix="nlist" ;;
        stream) prefix="stream" ;; stream5) prefix="stream5" ;;
    esac
    printf '%s:%0*d\n' "$prefix" "$width" 0
}

# load_one CASE INDEX: appends one TSV row to $RESULTS_TSV (not via stdout: a command
# substitution would run it without set -e):
# name case status elements used_delta rss_delta encoding seconds
load_one() {
    local id="$1" idx="$2" name="${NAMES[$2]}" port="${PORTS[$2]}" pid="${SPIDS[$2]}"
    local kind="${C_KIND[$1]}" keys="${C_KEYS[$1]}" per="${C_PER[$1]}"
    local elements=$((keys * per)) reply used0 rss0 used1 rss1 t0 t1 out rc errors replies
    local expected_cmds enc dbsize len key
    key="$(sample_key "$kind" "$keys" "$per")"

    # shellcheck disable=SC2046  # probe arguments: word splitting intended
    reply="$(cli "$port" $(probe_args "$kind"))"
    if [[ "$reply" == *"unknown command"* ]]; then
        info "$name: $(probe_args "$kind" | cut -d' ' -f1) is not supported: $reply" 
        printf '%s\t%s\tunsupported\t%s\t-\t-\t-\t-\n' "$name" "$id" "$elements" >>"$RESULTS_TSV"
        return 0
    fi
    cli "$port" del __memprobe__ >/dev/null
    used0="$(settled_used_memory "$port")"
    rss0="$(rss_bytes "$pid")"

    out="$WORK/load-$name-$id.out"
    t0="$(date +%s.%N)"
    rc=0
    "$PYTHON" "$WORK/gen.py" "$kind" "$keys" "$per" "$BATCH" "loading $name" \
        | timeout "$LOAD_TIMEOUT" redis-cli -h 127.0.0.1 -p "$port" --pipe --pipe-timeout 300 >"$out" 2>&1 || rc=$?
    t1="$(date +%s.%N)"
    kill -0 "$pid" 2>/dev/null || die "$name (pid $pid) died while loading $id; its log: $WORK/$name/server.log"
    errors="$(tr -d '\r' <"$out" | sed -n 's/^errors: \([0-9]*\), replies: \([0-9]*\).*/\1/p' | tail -n 1)"
    replies="$(tr -d '\r' <"$out" | sed -n 's/^errors: \([0-9]*\), replies: \([0-9]*\).*/\2/p' | tail -n 1)"
    if [[ "$kind" == stream* ]]; then expected_cmds=$elements
    elif [[ $per -le $BATCH ]]; then expected_cmds=$keys; else expected_cmds=$((keys * ((per + BATCH - 1) / BATCH))); fi
    if [[ $rc -ne 0 || -z "$errors" || "$errors" -ne 0 || "$replies" -ne $expected_cmds ]]; then
        info "$name: loading $id failed (exit $rc, errors ${errors:-?}, replies ${replies:-?}/$expected_cmds):" 
        grep -v '^All data\|^Last reply\|^errors:' "$out" | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/      /'  || true
        if grep -q 'unknown command' "$out"; then
            printf '%s\t%s\tunsupported\t%s\t-\t-\t-\t-\n' "$name" "$id" "$elements" >>"$RESULTS_TSV"
        else
            printf '%s\t%s\tfailed\t%s\t-\t-\t-\t-\n' "$name" "$id" "$elements" >>"$RESULTS_TSV"
        fi
        return 0
    fi

    used1="$(settled_used_memory "$port")"
    rss1="$(rss_bytes "$pid")"
    enc="$(cli "$port" object encoding "$key")"
    dbsize="$(cli "$port" dbsize)"
    len="$(cli "$port" "$(length_cmd "$kind")" "$key")"
    local want_len=$per
    [[ "$kind" == string ]] && want_len=13
    local status=ok
    if [[ "$dbsize" != "$keys" || "$len" != "$want_len" ]]; then
        info "$name: after loading $id: DBSIZE $dbsize (want $keys), $(length_cmd "$kind") $key = $len (want $want_len)" 
        status=mismatch
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$id" "$status" "$elements" \
        "$((used1 - used0))" "$((rss1 - rss0))" "$enc" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" >>"$RESULTS_TSV"
}

# ----------------------------------------------------------------------------- run

VERSIONS=("" "")
ALLOCATORS=("" "")
n=0
for id in "${SELECTED[@]}"; do
    n=$((n + 1))
    step "[$n/${#SELECTED[@]}] $id: $(case_label "$id") — $((C_KEYS[$id] * C_PER[$id])) elements"
    start_server 0 "$REDIS_SERVER"
    start_server 1 "$BINARY"
    for idx in 0 1; do
        if [[ -z "${VERSIONS[idx]}" ]]; then
            VERSIONS[idx]="$(cli "${PORTS[idx]}" info server | sed -n 's/^\(valkey_version\|redis_version\):\(.*\)/\2/p' | head -n 1)"
            ALLOCATORS[idx]="$(cli "${PORTS[idx]}" info memory | sed -n 's/^mem_allocator://p' | head -n 1)"
        fi
        load_one "$id" "$idx"
        row="$(tail -n 1 "$RESULTS_TSV")"
        IFS=$'\t' read -r _ _ status elements used rss enc secs <<<"$row"
        if [[ "$status" == ok || "$status" == mismatch ]]; then
            info "$(printf '%-13s %-8s used_memory +%s (%s B/elem), RSS +%s (%s B/elem), encoding %s, loaded in %s s' \
                "${NAMES[idx]}:" "$status" "$used" "$(awk -v u="$used" -v e="$elements" 'BEGIN { printf "%.1f", u / e }')" \
                "$rss" "$(awk -v u="$rss" -v e="$elements" 'BEGIN { printf "%.1f", u / e }')" "$enc" "$secs")"
        else
            info "${NAMES[idx]}: $status"
        fi
    done
    stop_pid "${SPIDS[0]}"
    stop_pid "${SPIDS[1]}"
done

# ----------------------------------------------------------------------------- report

LABELS_TSV="$WORK/labels.tsv"
for id in "${SELECTED[@]}"; do printf '%s\t%s\n' "$id" "$(case_label "$id")"; done >"$LABELS_TSV"

# make_table: the markdown table (one row per case).
make_table() {
    awk -F'\t' '
    FNR == NR { label[$1] = $2; next }
    function per(v, e) { return sprintf("%.1f", v / e) }
    function commas(n,    s, out) {
        s = sprintf("%d", n); out = ""
        while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
        return s out
    }
    function cell(st, v, e) {
        if (st == "unsupported") return "n/a (command not supported)"
        if (st == "failed") return "n/a (load failed)"
        return per(v, e) (st == "mismatch" ? " (count mismatch!)" : "")
    }
    function ratio(sa, a, sb, b) {
        if ((sa != "ok" && sa != "mismatch") || (sb != "ok" && sb != "mismatch") || b + 0 <= 0) return "-"
        return sprintf("%.2fx", a / b)
    }
    {
        id = $2
        if (!(id in seen)) { seen[id] = 1; order[++count] = id; elems[id] = $4 }
        st[$1, id] = $3; um[$1, id] = $5; rs[$1, id] = $6; en[$1, id] = $7
    }
    END {
        print "| case | elements | redis used_memory/elem | ours used_memory/elem | ratio | redis RSS/elem | ours RSS/elem | RSS ratio | encoding (redis / ours) |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---|"
        for (i = 1; i <= count; i++) {
            id = order[i]; e = elems[id]; r = "redis-server"; o = "valkey-native"
            encr = (st[r, id] == "ok" || st[r, id] == "mismatch") ? en[r, id] : "-"
            enco = (st[o, id] == "ok" || st[o, id] == "mismatch") ? en[o, id] : "-"
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n", label[id], commas(e),
                cell(st[r, id], um[r, id], e), cell(st[o, id], um[o, id], e), ratio(st[o, id], um[o, id], st[r, id], um[r, id]),
                cell(st[r, id], rs[r, id], e), cell(st[o, id], rs[o, id], e), ratio(st[o, id], rs[o, id], st[r, id], rs[r, id]),
                encr, enco
        }
    }' "$LABELS_TSV" "$RESULTS_TSV"
}

notes() {
    echo "- Bytes per element = (value after loading - value of the same fresh, empty server) / elements;"
    echo "  an element is a hash field+value, a set/zset member, a list element, a string key+value or a stream entry, so"
    echo "  per-key overhead (key entry, value header, table bucket) is spread over the key's elements."
    echo "- used_memory is each server's own accounting of its allocator's usable sizes: redis-server counts"
    echo "  ${ALLOCATORS[0]:-its allocator}'s size classes, valkey-native its arena's size classes (Storage/Arena.cs); the two"
    echo "  allocators round differently, and neither figure includes allocator metadata, partly used pages or"
    echo "  (for valkey-native) the .NET GC heap. RSS (VmRSS of /proc/<pid>/status) is what the OS actually"
    echo "  gives each process, fragmentation included; compare both columns."
    echo "- Ratios are valkey-native / redis-server: below 1.00x, valkey-native uses less memory."
}

step "Results (ratios are valkey-native / redis-server)"
info "redis-server:  ${VERSIONS[0]:-unknown version}, allocator ${ALLOCATORS[0]:-?} ($REDIS_SERVER)"
info "valkey-native: ${VERSIONS[1]:-unknown version}, allocator ${ALLOCATORS[1]:-?} ($BINARY)"
info "servers: <binary> $SERVER_ARGS (fresh pair per case)"
info "loader:  $LOADER_CMD"
echo
make_table
echo
notes

if [[ $RECORD -eq 1 ]]; then
    step "Recording to ${RESULTS_MD#"$ROOT/"}"
    commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n 1)" ]]; then commit="$commit (with uncommitted changes)"; fi
    {
        echo
        echo "## Memory per element — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit"
        echo
        echo "- Machine: $(nproc) CPUs, $(uname -sr)"
        echo "- redis-server ${VERSIONS[0]:-?} (${ALLOCATORS[0]:-?}); valkey-native ${VERSIONS[1]:-?} (${ALLOCATORS[1]:-?})"
        echo
        echo '```sh'
        echo "$INVOCATION"
        echo "# per case, fresh servers: $REDIS_SERVER $SERVER_ARGS"
        echo "#                          $BINARY $SERVER_ARGS"
        echo "# loader, into each in turn: $LOADER_CMD"
        echo '```'
        echo
        make_table
        echo
        notes
    } >>"$RESULTS_MD"
    info "appended a section to $RESULTS_MD"
fi

if grep -q $'\tfailed\t\|\tmismatch\t' "$RESULTS_TSV"; then
    die "some loads failed or did not store what was sent (see above)"
fi
step "Done"
