#!/usr/bin/env bash
# build.sh — build, run, test and benchmark Valkey.Native (Linux / macOS; Windows: build.ps1).
# Run './build.sh help' for the verbs. Written for bash 3.2+ (macOS) as well as bash 5.
set -euo pipefail

CALLER_DIR="$(pwd)"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

ARTIFACTS="$ROOT/artifacts"
TEST_RESULTS="$ARTIFACTS/test-results"
SERVER_PROJECT="src/Valkey.Native/Valkey.Native.csproj"
BENCH_PROJECT="perf/Valkey.Native.Benchmarks/Valkey.Native.Benchmarks.csproj"
BINARY="$ARTIFACTS/valkey-native"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [[ "${CI:-}" == "true" ]]; then
    # No MSBuild/compiler server processes left behind on CI machines.
    export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false
fi

START_SECONDS=$SECONDS
step() { printf '\n==> [%s +%ss] %s\n' "$(date +%H:%M:%S)" "$((SECONDS - START_SECONDS))" "$*"; }
info() { printf '    %s\n' "$*"; }
err()  { printf 'build.sh: error: %s\n' "$*" >&2; }
die()  { err "$*"; exit 1; }

usage() {
    cat <<'EOF'
Usage: ./build.sh [verb] [args...]

Verbs:
  (none)            dotnet publish src/Valkey.Native (Release, Native AOT) -> artifacts/valkey-native
  run [args...]     publish, then run artifacts/valkey-native with args
                    (no args: the server's defaults, 127.0.0.1:6379 in the foreground)
  test [args...]    publish, then 'dotnet test' every tests/**/*.Tests.csproj with
                    VALKEY_NATIVE_BINARY=<abs path of artifacts/valkey-native>, TRX results in
                    artifacts/test-results, ending with the line 'N passed, M failed[, K skipped]'.
                    Extra args go to 'dotnet test' (e.g. --filter "FullyQualifiedName~Infrastructure").
  bench [args...]   publish, then perf/compare.sh with args: the end-to-end comparison with Debian's
                    redis-server (redis-benchmark matrix in alternating rounds, CPU per request, latency,
                    memory per key, startup, binary size; about 10 minutes; --quick for a smoke run,
                    --record to append the results to perf/RESULTS.md, --help for the options)
  microbench [args...]
                    the BenchmarkDotNet project (Release, in process, MemoryDiagnoser); args are passed
                    through (default --filter '*'; e.g. --filter '*Dispatch*' --job short)
  clean             remove artifacts/, BenchmarkDotNet.Artifacts/ and every bin/ obj/ under src tests perf
  help              this text

Environment:
  BUILD_RID=<rid>             runtime identifier (default from uname: linux-x64, linux-arm64, osx-x64, osx-arm64)
  TEST_CONFIGURATION=<cfg>    configuration for 'dotnet test' (default Debug)
  TEST_VERBOSITY=<v>          console logger verbosity of 'dotnet test' (quiet|minimal|normal|detailed; default minimal)
  TEST_HANG_TIMEOUT=<t>       a single test running longer than this aborts the run (default 5m);
                              the hung test is counted as 1 failed
  TEST_TIMEOUT=<t>            limit for each 'dotnet test' invocation, where timeout(1) exists (default 60m)
  VALKEY_NATIVE_STANDIN=<path> use this server binary instead of artifacts/valkey-native (harness checks,
                              e.g. /usr/bin/redis-server); combine with SKIP_PUBLISH=1 to skip the publish
  SKIP_PUBLISH=1              do not publish (use whatever binary is there)
EOF
}

detect_rid() {
    if [[ -n "${BUILD_RID:-}" ]]; then echo "$BUILD_RID"; return; fi
    local os arch
    case "$(uname -s)" in
        Linux)
            os=linux
            if ldd --version 2>&1 | grep -qi musl; then os=linux-musl; fi ;;
        Darwin) os=osx ;;
        MINGW*|MSYS*|CYGWIN*) die "on Windows use build.ps1 (PowerShell)" ;;
        *) die "unsupported OS '$(uname -s)'; set BUILD_RID=<rid> to override" ;;
    esac
    case "$(uname -m)" in
        x86_64|amd64) arch=x64 ;;
        aarch64|arm64) arch=arm64 ;;
        *) die "unsupported CPU architecture '$(uname -m)'; set BUILD_RID=<rid> to override" ;;
    esac
    echo "$os-$arch"
}

require_dotnet() {
    command -v dotnet >/dev/null 2>&1 ||
        die "the 'dotnet' command was not found: install the .NET 10 SDK (see global.json)"
}

# The binary the verbs run / test against.
server_binary() {
    if [[ -n "${VALKEY_NATIVE_STANDIN:-}" ]]; then
        case "$VALKEY_NATIVE_STANDIN" in
            /*) echo "$VALKEY_NATIVE_STANDIN" ;;
            */*) echo "$CALLER_DIR/$VALKEY_NATIVE_STANDIN" ;;
            *) command -v "$VALKEY_NATIVE_STANDIN" || echo "$VALKEY_NATIVE_STANDIN" ;;
        esac
    else
        echo "$BINARY"
    fi
}

# Publishes the Native AOT binary. Returns non-zero (instead of exiting) so callers can report.
publish() {
    if [[ "${SKIP_PUBLISH:-}" == "1" ]]; then
        step "Skipping publish (SKIP_PUBLISH=1)"
        return 0
    fi
    require_dotnet
    local rid
    rid="$(detect_rid)" || return 1
    step "Publishing $SERVER_PROJECT (Release, Native AOT, $rid) -> artifacts/"
    if ! command -v clang >/dev/null 2>&1 && ! command -v gcc >/dev/null 2>&1 && [[ "$rid" == linux* ]]; then
        err "Native AOT needs a C toolchain to link: install clang (Debian: apt-get install -y clang zlib1g-dev)"
        return 1
    fi
    if ! dotnet publish "$SERVER_PROJECT" -c Release -r "$rid" -o "$ARTIFACTS" --nologo; then
        err "dotnet publish failed (see the errors above)"
        return 1
    fi
    if [[ ! -x "$BINARY" ]]; then
        err "dotnet publish reported success but $BINARY is missing"
        return 1
    fi
    info "built $BINARY ($(du -h "$BINARY" | cut -f1))"
}

check_binary() {
    local bin="$1"
    [[ -x "$bin" ]] || die "server binary '$bin' does not exist or is not executable"
}

# ----------------------------------------------------------------------------- test

# Extracts attribute $2 of the <Counters .../> element in TRX file $1 (0 if absent).
trx_counter() {
    local value
    value="$(grep -o '<Counters [^>]*>' "$1" 2>/dev/null | head -n 1 |
             sed -n "s/.* $2=\"\([0-9][0-9]*\)\".*/\1/p")" || true
    echo "${value:-0}"
}

TEST_PASSED=0
TEST_FAILED=0
TEST_SKIPPED=0
RUN_FAILURES=0      # failed runs that no failed test accounts for (build error, crashed test host, ...)

# Prints "passed failed skipped" for one TRX file. Failed = failed + error + timeout + aborted;
# skipped = the rest of total (the NUnit adapter leaves notExecuted at 0 for ignored tests).
trx_totals() {
    local p fl e t a total failed skipped
    p="$(trx_counter "$1" passed)"
    fl="$(trx_counter "$1" failed)"
    e="$(trx_counter "$1" error)"
    t="$(trx_counter "$1" timeout)"
    a="$(trx_counter "$1" aborted)"
    total="$(trx_counter "$1" total)"
    failed=$((fl + e + t + a))
    skipped=$((total - p - failed))
    if [[ $skipped -lt 0 ]]; then skipped=0; fi
    echo "$p $failed $skipped"
}

# Totals over every TRX file in artifacts/test-results; prints the closing 'N passed, M failed' line.
# $1 is the exit status so far: a failure that no failed test accounts for counts as 1 failed.
summarize() {
    local status="$1" f p fl sk
    for f in "$TEST_RESULTS"/*.trx; do
        [[ -f "$f" ]] || continue
        read -r p fl sk < <(trx_totals "$f")
        TEST_PASSED=$((TEST_PASSED + p))
        TEST_FAILED=$((TEST_FAILED + fl))
        TEST_SKIPPED=$((TEST_SKIPPED + sk))
    done
    TEST_FAILED=$((TEST_FAILED + RUN_FAILURES))
    if [[ $status -ne 0 && $TEST_FAILED -eq 0 ]]; then
        err "the test run failed before any test could fail (see above): counted as 1 failed"
        TEST_FAILED=1
    fi
    local line="$TEST_PASSED passed, $TEST_FAILED failed"
    if [[ $TEST_SKIPPED -gt 0 ]]; then line="$line, $TEST_SKIPPED skipped"; fi
    echo
    echo "$line"
}

# EXIT trap of the test verb: whatever happened (build failure, missing binary, Ctrl-C), end with
# the summary line, and never exit 0 with a failed test.
on_test_exit() {
    local status=$?
    trap - EXIT
    summarize "$status"
    if [[ $status -eq 0 && $TEST_FAILED -gt 0 ]]; then status=1; fi
    exit "$status"
}

cmd_test() {
    local rc=0
    rm -rf "$TEST_RESULTS"
    mkdir -p "$TEST_RESULTS"
    trap on_test_exit EXIT

    if ! publish; then
        err "build failed: no tests were run"
        exit 1
    fi
    local bin
    bin="$(server_binary)"
    check_binary "$bin"
    bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"   # absolute
    require_dotnet

    local projects=() proj
    while IFS= read -r proj; do
        projects+=("$proj")
    done < <(find tests -name '*.Tests.csproj' -not -path '*/bin/*' -not -path '*/obj/*' 2>/dev/null | sort)
    [[ ${#projects[@]} -gt 0 ]] || die "no test projects found (tests/**/*.Tests.csproj)"

    local timeout_cmd=()
    if command -v timeout >/dev/null 2>&1; then
        timeout_cmd=(timeout --kill-after=60s "${TEST_TIMEOUT:-60m}")
    fi

    local name prc
    for proj in "${projects[@]}"; do
        name="$(basename "$proj" .csproj)"
        step "Testing $proj (VALKEY_NATIVE_BINARY=$bin)"
        prc=0
        VALKEY_NATIVE_BINARY="$bin" ${timeout_cmd[@]+"${timeout_cmd[@]}"} \
            dotnet test "$proj" \
                -c "${TEST_CONFIGURATION:-Debug}" \
                --nologo \
                --results-directory "$TEST_RESULTS" \
                --logger "trx;LogFileName=$name.trx" \
                --logger "console;verbosity=${TEST_VERBOSITY:-minimal}" \
                --blame-hang-timeout "${TEST_HANG_TIMEOUT:-5m}" \
                --blame-hang-dump-type none \
                "$@" || prc=$?
        if [[ $prc -eq 124 || $prc -eq 137 ]]; then
            err "$name: 'dotnet test' exceeded TEST_TIMEOUT=${TEST_TIMEOUT:-60m} and was stopped"
        elif [[ $prc -ne 0 ]]; then
            err "$name: 'dotnet test' exited with code $prc (test failures, build errors or a crashed test host; see above)"
        fi
        if [[ ! -f "$TEST_RESULTS/$name.trx" ]]; then
            err "$name: no TRX file was written (did the test project build?)"
            [[ $prc -ne 0 ]] || prc=1
        fi
        if [[ $prc -ne 0 ]]; then
            rc=1
            local pf=0 p sk trx="$TEST_RESULTS/$name.trx"
            if [[ -f "$trx" ]]; then read -r p pf sk < <(trx_totals "$trx"); fi
            if [[ -f "$trx" ]] && grep -q 'The active test run was aborted' "$trx"; then
                # The test that crashed or hung the test host has no result of its own.
                err "$name: the test run was aborted (crashed or hung test host, see above): counted as 1 more failed"
                RUN_FAILURES=$((RUN_FAILURES + 1))
            elif [[ $pf -eq 0 ]]; then
                err "$name: the run failed but no test is recorded as failed: counted as 1 failed"
                RUN_FAILURES=$((RUN_FAILURES + 1))
            fi
        fi
    done

    step "Test results: $TEST_RESULTS"
    exit $rc   # on_test_exit prints the summary line
}

# ----------------------------------------------------------------------------- bench

cmd_bench() {
    publish || die "build failed"
    local bin
    bin="$(server_binary)"
    check_binary "$bin"
    step "Running perf/compare.sh --binary $bin $*"
    bash "$ROOT/perf/compare.sh" --binary "$bin" "$@" || die "perf/compare.sh failed"
}

cmd_microbench() {
    local bdn=("$@") has_artifacts=0 a
    for a in "$@"; do [[ "$a" != "--artifacts" ]] || has_artifacts=1; done
    [[ ${#bdn[@]} -gt 0 ]] || bdn=(--filter '*')
    [[ $has_artifacts -eq 1 ]] || bdn+=(--artifacts "$ARTIFACTS/benchmarks")
    require_dotnet
    [[ -f "$BENCH_PROJECT" ]] || die "benchmark project $BENCH_PROJECT not found"
    step "Running BenchmarkDotNet: dotnet run -c Release --project $BENCH_PROJECT -- ${bdn[*]}"
    dotnet run -c Release --project "$BENCH_PROJECT" -- "${bdn[@]}" ||
        die "the BenchmarkDotNet run failed"
    step "Benchmarks done (BenchmarkDotNet reports: $ARTIFACTS/benchmarks/results)"
}

# ----------------------------------------------------------------------------- main

verb="${1:-}"
[[ $# -eq 0 ]] || shift

case "$verb" in
    "")
        publish || die "build failed"
        step "Done: $BINARY"
        ;;
    run)
        publish || die "build failed"
        bin="$(server_binary)"
        check_binary "$bin"
        step "Running $bin $*"
        # The server runs in the caller's directory (where it may write dump/AOF files), not in the repo.
        cd "$CALLER_DIR"
        exec "$bin" "$@"
        ;;
    test)
        cmd_test "$@"
        ;;
    bench)
        cmd_bench "$@"
        ;;
    microbench)
        cmd_microbench "$@"
        ;;
    clean)
        step "Cleaning"
        rm -rf "$ARTIFACTS" "$ROOT/BenchmarkDotNet.Artifacts"
        for d in src tests perf; do
            [[ -d "$d" ]] || continue
            find "$d" -type d \( -name bin -o -name obj -o -name TestResults -o -name BenchmarkDotNet.Artifacts \) \
                -prune -exec rm -rf {} +
        done
        info "removed artifacts/ and bin/ obj/ directories"
        ;;
    help|-h|--help)
        usage
        ;;
    *)
        usage >&2
        die "unknown verb '$verb'"
        ;;
esac
