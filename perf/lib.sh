# perf/lib.sh — helpers shared by the perf/ scripts (sourced, not run). The caller sets SCRIPT_NAME
# (for error messages) before sourcing, and PIDS/WORK before using cleanup_servers.

step() { printf '\n==> [%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
info() { printf '    %s\n' "$*"; }
die()  { printf '%s: error: %s\n' "${SCRIPT_NAME:-perf}" "$*" >&2; exit 1; }

# install_debian_packages PKG...: apt-get install as root; otherwise tell the user what is missing.
install_debian_packages() {
    if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        die "missing $*: install them (Debian: sudo apt-get install -y $*)"
    fi
    step "Installing $* (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port: a loopback port nothing listens on (random in 20000..59999, or in PERF_PORT_RANGE=LOW-HIGH
# when set, for machines where several people run servers and each has a range of ports).
free_port() {
    local port tries=0 low=20000 span=40000
    if [[ "${PERF_PORT_RANGE:-}" =~ ^([0-9]+)-([0-9]+)$ ]]; then
        low="${BASH_REMATCH[1]}"; span=$((BASH_REMATCH[2] - low + 1))
        [[ $span -gt 0 ]] || die "PERF_PORT_RANGE must be LOW-HIGH with LOW <= HIGH (got '$PERF_PORT_RANGE')"
    fi
    while :; do
        port=$((low + (RANDOM * 32768 + RANDOM) % span))
        if ! port_in_use "$port"; then echo "$port"; return 0; fi
        tries=$((tries + 1))
        [[ $tries -lt 100 ]] || die "could not find a free loopback port"
    done
}

# stop_pid PID: SIGTERM, up to 5 s to exit, then SIGKILL; reaps it.
stop_pid() {
    local pid="$1" i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# cleanup_servers: stops every process in PIDS and removes WORK (the scripts' EXIT trap).
cleanup_servers() {
    local pid
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do
        kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
    done
    [[ -z "${WORK:-}" ]] || rm -rf "$WORK"
}
