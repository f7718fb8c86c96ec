#!/usr/bin/env bash
# perf/client-cost-per-request.sh — what one redis-benchmark run costs the *client* per request, next
# to the server's own CPU and sleeps per request, for valkey-native and redis-server in alternation.
#
# At -P 1 one redis-benchmark process on the same cores is the bottleneck, so throughput follows the
# client's CPU per request; that depends on the server too: a server blocked in epoll_wait is woken
# by the client's write, and the client pays the wake-up (perf/RESULTS.md, "Pipeline 1: who pays
# for the wake-up").
#
# Usage: perf/client-cost-per-request.sh [--binary PATH] [--test set] [--clients 50] [--pipeline 1]
#            [--size 3] [-n 200000] [--rounds 3] [-- extra valkey-native arguments]
# Per run: client task-clock/request (perf stat on redis-benchmark), server CPU/request (schedstat,
# all threads), server voluntary context switches/request (its sleeps: epoll_wait blocks and naps).
set -euo pipefail
binary="${VALKEY_NATIVE_BINARY:-$(dirname "$0")/../artifacts/valkey-native}"
test=set clients=50 pipeline=1 size=3 n=200000 rounds=3 extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --test) test="$2"; shift 2 ;;
        --clients) clients="$2"; shift 2 ;;
        --pipeline) pipeline="$2"; shift 2 ;;
        --size) size="$2"; shift 2 ;;
        -n) n="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
SCRIPT_NAME=client-cost-per-request.sh
source "$(dirname "$0")/lib.sh"
missing=()
command -v perf >/dev/null || missing+=(linux-perf)
command -v redis-benchmark >/dev/null || missing+=(redis-tools)
command -v redis-server >/dev/null || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] || install_debian_packages "${missing[@]}"
ours_port=$(free_port)
redis_port=$(free_port)
[ "$redis_port" != "$ours_port" ] || redis_port=$(free_port)
"$binary" --port $ours_port --bind 127.0.0.1 --save "" --appendonly no --hz 10 "${extra[@]}" >/dev/null 2>&1 &
ours_pid=$!
redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no --hz 10 >/dev/null 2>&1 &
redis_pid=$!
stop_servers() { kill $ours_pid $redis_pid 2>/dev/null || true; wait $ours_pid $redis_pid 2>/dev/null || true; }
trap stop_servers EXIT
sleep 1
kill -0 $ours_pid && kill -0 $redis_pid || { echo "a server did not start (ports $ours_port/$redis_port)" >&2; exit 1; }
server_cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%.0f\n", s}'; }
server_sleeps() { cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt_switches/ {s += $2} END {print s}'; }
out="$(mktemp)"; trap 'rm -f "$out"; stop_servers' EXIT
printf '%-6s %5s %10s %16s %16s %18s\n' server round "req/s" "client us/req" "server us/req" "server sleeps/req"
for round in $(seq "$rounds"); do
    for who in ours redis; do
        if [ $who = ours ]; then port=$ours_port pid=$ours_pid; else port=$redis_port pid=$redis_pid; fi
        cpu0=$(server_cpu_ns $pid); sl0=$(server_sleeps $pid)
        perf stat -x, -o "$out" -e task-clock redis-benchmark -p $port -P "$pipeline" -c "$clients" -n "$n" \
            -t "$test" -d "$size" -r 1000000 --csv > "$out.csv"
        cpu1=$(server_cpu_ns $pid); sl1=$(server_sleeps $pid)
        rps=$(grep -v '^"test"' "$out.csv" | head -1 | cut -d, -f2 | tr -d '"')
        client_ms=$(awk -F, '/task-clock/ {print $1}' "$out")
        awk -v who=$who -v r=$round -v rps="$rps" -v c="$client_ms" -v n="$n" -v cpu=$((cpu1 - cpu0)) -v sl=$((sl1 - sl0)) \
            'BEGIN {printf "%-6s %5d %10.0f %16.3f %16.3f %18.4f\n", who, r, rps, c * 1000 / n, cpu / 1000 / n, sl / n}'
    done
done
rm -f "$out.csv"
