<#
.SYNOPSIS
    Build, run, test and benchmark Valkey.Native (Windows PowerShell 5.1 / PowerShell 7+).

.DESCRIPTION
    The PowerShell twin of build.sh. Verbs:

      (none)            dotnet publish src/Valkey.Native (Release, Native AOT) -> artifacts\valkey-native.exe
      run [args...]     publish, then run the binary with args (no args: 127.0.0.1:6379 in the foreground)
      test [args...]    publish, then 'dotnet test' every tests\**\*.Tests.csproj with
                        VALKEY_NATIVE_BINARY=<full path of the binary>, TRX results in artifacts\test-results,
                        ending with the line 'N passed, M failed[, K skipped]'. Extra args go to 'dotnet test'.
      bench [args...]   publish, then perf/compare.sh with args: the end-to-end comparison with redis-server
                        (needs bash and Linux /proc: not available on Windows)
      microbench [args...]
                        the BenchmarkDotNet project (Release; args passed through, default --filter '*')
      clean             remove artifacts\, BenchmarkDotNet.Artifacts\ and every bin\ obj\ under src tests perf
      help              this text

    Environment: BUILD_RID, TEST_CONFIGURATION (default Debug), TEST_VERBOSITY (default minimal),
    TEST_HANG_TIMEOUT (default 5m), VALKEY_NATIVE_STANDIN (use this server binary instead),
    SKIP_PUBLISH=1 (do not publish). See build.sh for details.

    Native AOT on Windows needs Visual Studio 2022+ (or its Build Tools) with the
    "Desktop development with C++" workload, which provides the linker.

.EXAMPLE
    .\build.ps1 test --filter "FullyQualifiedName~Infrastructure"
#>

# No param() block on purpose: every argument after the verb (including ones that look like
# parameters, e.g. --filter or -n) is passed through untouched via $args.
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$script:Root = $PSScriptRoot
if (-not $script:Root) { $script:Root = [System.IO.Directory]::GetCurrentDirectory() }

$script:OnWindows = [System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::Windows)
$script:Artifacts = [System.IO.Path]::Combine($script:Root, 'artifacts')
$script:TestResults = [System.IO.Path]::Combine($script:Artifacts, 'test-results')
$script:ServerProject = [System.IO.Path]::Combine($script:Root, 'src', 'Valkey.Native', 'Valkey.Native.csproj')
$script:BenchProject = [System.IO.Path]::Combine($script:Root, 'perf', 'Valkey.Native.Benchmarks', 'Valkey.Native.Benchmarks.csproj')
$script:BinaryName = if ($script:OnWindows) { 'valkey-native.exe' } else { 'valkey-native' }
$script:Binary = [System.IO.Path]::Combine($script:Artifacts, $script:BinaryName)
$script:Started = [System.Diagnostics.Stopwatch]::StartNew()

$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
if ($env:CI -eq 'true') {
    $env:MSBUILDDISABLENODEREUSE = '1'
    $env:DOTNET_CLI_USE_MSBUILD_SERVER = '0'
    $env:UseSharedCompilation = 'false'
}

function Write-Step([string] $Message) {
    $elapsed = [int]$script:Started.Elapsed.TotalSeconds
    Write-Host ''
    Write-Host ("==> [{0} +{1}s] {2}" -f [DateTime]::Now.ToString('HH:mm:ss'), $elapsed, $Message) -ForegroundColor Cyan
}

function Write-Info([string] $Message) { Write-Host "    $Message" }

function Write-BuildError([string] $Message) {
    [Console]::Error.WriteLine("build.ps1: error: $Message")
}

function Get-EnvOrDefault([string] $Name, [string] $Default) {
    $value = [Environment]::GetEnvironmentVariable($Name)
    if ([string]::IsNullOrEmpty($value)) { return $Default }
    return $value
}

function Get-Rid {
    $override = Get-EnvOrDefault 'BUILD_RID' ''
    if ($override) { return $override }
    $arch = switch ([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString()) {
        'X64'   { 'x64' }
        'Arm64' { 'arm64' }
        default { throw "unsupported CPU architecture '$_'; set BUILD_RID=<rid>" }
    }
    if ($script:OnWindows) { return "win-$arch" }
    if ([System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::OSX)) { return "osx-$arch" }
    return "linux-$arch"
}

function Assert-Dotnet {
    if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
        throw "the 'dotnet' command was not found: install the .NET 10 SDK (see global.json)"
    }
}

function Get-ServerBinary {
    $standIn = Get-EnvOrDefault 'VALKEY_NATIVE_STANDIN' ''
    if ($standIn) { return [System.IO.Path]::GetFullPath($standIn) }
    return $script:Binary
}

function Assert-Binary([string] $Path) {
    if (-not [System.IO.File]::Exists($Path)) {
        throw "server binary '$Path' does not exist"
    }
}

function Invoke-Publish {
    if ((Get-EnvOrDefault 'SKIP_PUBLISH' '') -eq '1') {
        Write-Step 'Skipping publish (SKIP_PUBLISH=1)'
        return
    }
    Assert-Dotnet
    $rid = Get-Rid
    Write-Step "Publishing $script:ServerProject (Release, Native AOT, $rid) -> artifacts"
    & dotnet publish $script:ServerProject -c Release -r $rid -o $script:Artifacts --nologo
    if ($LASTEXITCODE -ne 0) {
        $hint = if ($script:OnWindows) { ' (Native AOT needs the Visual Studio "Desktop development with C++" workload)' } else { '' }
        throw "dotnet publish failed with exit code $LASTEXITCODE (see the errors above)$hint"
    }
    if (-not [System.IO.File]::Exists($script:Binary)) {
        throw "dotnet publish reported success but $script:Binary is missing"
    }
    $size = [Math]::Round([System.IO.FileInfo]::new($script:Binary).Length / 1MB, 1)
    Write-Info "built $script:Binary ($size MB)"
}

# ----------------------------------------------------------------------------- test

function Get-TrxTotals {
    $totals = @{ Passed = 0; Failed = 0; Skipped = 0 }
    if (-not [System.IO.Directory]::Exists($script:TestResults)) { return $totals }
    foreach ($file in [System.IO.Directory]::GetFiles($script:TestResults, '*.trx')) {
        try {
            $doc = [System.Xml.XmlDocument]::new()
            $doc.Load($file)
            $nodes = $doc.GetElementsByTagName('Counters')
            $counters = if ($nodes.Count -gt 0) { $nodes.Item(0) } else { $null }
        }
        catch {
            Write-BuildError "cannot read $file : $($_.Exception.Message)"
            $totals.Failed += 1
            continue
        }
        if ($null -eq $counters) { continue }
        $get = { param($name) $v = $counters.GetAttribute($name); if ($v) { [int]$v } else { 0 } }
        $passed = & $get 'passed'
        $failed = (& $get 'failed') + (& $get 'error') + (& $get 'timeout') + (& $get 'aborted')
        # Skipped = the rest of total (the NUnit adapter leaves notExecuted at 0 for ignored tests).
        $skipped = [Math]::Max(0, (& $get 'total') - $passed - $failed)
        $totals.Passed += $passed
        $totals.Failed += $failed
        $totals.Skipped += $skipped
    }
    return $totals
}

# Prints the closing 'N passed, M failed' line. $RunFailures: failed runs no failed test accounts for;
# $Failed: whether the run failed at all (then at least 1 failed is reported).
function Write-Summary([int] $RunFailures, [bool] $Failed) {
    $t = Get-TrxTotals
    $t.Failed += $RunFailures
    if ($Failed -and $t.Failed -eq 0) {
        Write-BuildError 'the test run failed before any test could fail (see above): counted as 1 failed'
        $t.Failed = 1
    }
    $line = "$($t.Passed) passed, $($t.Failed) failed"
    if ($t.Skipped -gt 0) { $line += ", $($t.Skipped) skipped" }
    Write-Host ''
    Write-Host $line
    return $t
}

# Sets $script:TestExitCode (not returned: a function's output would also collect the tools' output).
function Invoke-Test([string[]] $TestArgs) {
    if ([System.IO.Directory]::Exists($script:TestResults)) { [System.IO.Directory]::Delete($script:TestResults, $true) }
    [void][System.IO.Directory]::CreateDirectory($script:TestResults)
    $rc = 0
    $runFailures = 0
    try {
        Invoke-Publish
        $bin = Get-ServerBinary
        Assert-Binary $bin
        Assert-Dotnet

        [string[]] $projects = @()
        $testsDir = [System.IO.Path]::Combine($script:Root, 'tests')
        if ([System.IO.Directory]::Exists($testsDir)) {
            $projects = @([System.IO.Directory]::GetFiles($testsDir, '*.Tests.csproj', [System.IO.SearchOption]::AllDirectories) |
                Where-Object { $_.Substring($testsDir.Length) -notmatch '[\\/](bin|obj)[\\/]' })
            [System.Array]::Sort($projects, [System.StringComparer]::Ordinal)
        }
        if ($projects.Count -eq 0) { throw 'no test projects found (tests/**/*.Tests.csproj)' }

        $configuration = Get-EnvOrDefault 'TEST_CONFIGURATION' 'Debug'
        $verbosity = Get-EnvOrDefault 'TEST_VERBOSITY' 'minimal'
        $hang = Get-EnvOrDefault 'TEST_HANG_TIMEOUT' '5m'
        $previousBinary = $env:VALKEY_NATIVE_BINARY
        $env:VALKEY_NATIVE_BINARY = $bin
        try {
            foreach ($project in $projects) {
                $name = [System.IO.Path]::GetFileNameWithoutExtension($project)
                Write-Step "Testing $project (VALKEY_NATIVE_BINARY=$bin)"
                & dotnet test $project -c $configuration --nologo `
                    --results-directory $script:TestResults `
                    --logger "trx;LogFileName=$name.trx" `
                    --logger "console;verbosity=$verbosity" `
                    --blame-hang-timeout $hang --blame-hang-dump-type none `
                    @TestArgs
                $prc = $LASTEXITCODE
                if ($prc -ne 0) {
                    Write-BuildError "${name}: 'dotnet test' exited with code $prc (test failures, build errors or a crashed test host; see above)"
                }
                $trx = [System.IO.Path]::Combine($script:TestResults, "$name.trx")
                if (-not [System.IO.File]::Exists($trx)) {
                    Write-BuildError "${name}: no TRX file was written (did the test project build?)"
                    if ($prc -eq 0) { $prc = 1 }
                }
                if ($prc -ne 0) {
                    $rc = 1
                    $projectFailed = 0
                    if ([System.IO.File]::Exists($trx)) {
                        $doc = [System.Xml.XmlDocument]::new()
                        $doc.Load($trx)
                        $nodes = $doc.GetElementsByTagName('Counters')
                        if ($nodes.Count -gt 0) {
                            foreach ($attr in @('failed', 'error', 'timeout', 'aborted')) {
                                $v = $nodes.Item(0).GetAttribute($attr)
                                if ($v) { $projectFailed += [int]$v }
                            }
                        }
                    }
                    $aborted = [System.IO.File]::Exists($trx) -and
                        [System.IO.File]::ReadAllText($trx).Contains('The active test run was aborted')
                    if ($aborted) {
                        # The test that crashed or hung the test host has no result of its own.
                        Write-BuildError "${name}: the test run was aborted (crashed or hung test host, see above): counted as 1 more failed"
                        $runFailures += 1
                    }
                    elseif ($projectFailed -eq 0) {
                        Write-BuildError "${name}: the run failed but no test is recorded as failed: counted as 1 failed"
                        $runFailures += 1
                    }
                }
            }
        }
        finally {
            $env:VALKEY_NATIVE_BINARY = $previousBinary
        }
        Write-Step "Test results: $script:TestResults"
    }
    catch {
        Write-BuildError $_.Exception.Message
        $rc = 1
    }
    finally {
        # Always end with the summary line, whatever happened above.
        $totals = Write-Summary $runFailures ($rc -ne 0)
    }
    if ($totals.Failed -gt 0) { $rc = 1 }
    $script:TestExitCode = $rc
}

# ----------------------------------------------------------------------------- bench

function Invoke-Bench([string[]] $CompareArgs) {
    Invoke-Publish
    $bin = Get-ServerBinary
    Assert-Binary $bin
    $compareScript = [System.IO.Path]::Combine($script:Root, 'perf', 'compare.sh')
    if ($script:OnWindows) { throw 'bench runs perf/compare.sh, which needs bash and Linux /proc: run ./build.sh bench on Linux (microbench works here)' }
    if (-not (Get-Command bash -ErrorAction SilentlyContinue)) { throw 'bench needs bash to run perf/compare.sh' }
    Write-Step "Running perf/compare.sh --binary $bin $($CompareArgs -join ' ')"
    & bash $compareScript --binary $bin @CompareArgs
    if ($LASTEXITCODE -ne 0) { throw "perf/compare.sh failed with exit code $LASTEXITCODE" }
}

function Invoke-Microbench([string[]] $BenchArgs) {
    $bdn = [System.Collections.Generic.List[string]]::new()
    foreach ($a in $BenchArgs) { $bdn.Add($a) }
    if ($bdn.Count -eq 0) { $bdn.Add('--filter'); $bdn.Add('*') }
    if (-not $bdn.Contains('--artifacts')) { $bdn.Add('--artifacts'); $bdn.Add([System.IO.Path]::Combine($script:Artifacts, 'benchmarks')) }
    Assert-Dotnet
    if (-not [System.IO.File]::Exists($script:BenchProject)) { throw "benchmark project $script:BenchProject not found" }
    Write-Step "Running BenchmarkDotNet: dotnet run -c Release --project $script:BenchProject -- $($bdn -join ' ')"
    $bdnArgs = $bdn.ToArray()
    & dotnet run -c Release --project $script:BenchProject -- @bdnArgs
    if ($LASTEXITCODE -ne 0) { throw "the BenchmarkDotNet run failed with exit code $LASTEXITCODE" }
    Write-Step "Benchmarks done (BenchmarkDotNet reports: $([System.IO.Path]::Combine($script:Artifacts, 'benchmarks', 'results')))"
}

function Show-Usage {
    Write-Host @'
Usage: .\build.ps1 [verb] [args...]

Verbs:
  (none)            dotnet publish src/Valkey.Native (Release, Native AOT) -> artifacts\valkey-native.exe
  run [args...]     publish, then run the binary with args (no args: 127.0.0.1:6379 in the foreground)
  test [args...]    publish, then 'dotnet test' every tests\**\*.Tests.csproj (VALKEY_NATIVE_BINARY set,
                    TRX in artifacts\test-results), ending with 'N passed, M failed[, K skipped]'
  bench [args...]   publish, then perf/compare.sh with args (end-to-end comparison with redis-server; Linux only)
  microbench [args...]
                    BenchmarkDotNet, in process (args passed through; default --filter '*')
  clean             remove artifacts\, BenchmarkDotNet.Artifacts\ and every bin\ obj\ under src tests perf
  help              this text

Environment: BUILD_RID, TEST_CONFIGURATION, TEST_VERBOSITY, TEST_HANG_TIMEOUT, VALKEY_NATIVE_STANDIN, SKIP_PUBLISH=1
'@
}

# ----------------------------------------------------------------------------- main

$verb = if ($args.Count -gt 0) { [string]$args[0] } else { '' }
[string[]] $rest = if ($args.Count -gt 1) { @($args[1..($args.Count - 1)] | ForEach-Object { [string]$_ }) } else { @() }

$exitCode = 0
$callerLocation = $PWD.ProviderPath
# Native tools run in the repository root (so global.json applies); the caller's location is restored.
Push-Location -LiteralPath $script:Root
try {
    switch ($verb) {
        '' {
            Invoke-Publish
            Write-Step "Done: $script:Binary"
        }
        'run' {
            Invoke-Publish
            $bin = Get-ServerBinary
            Assert-Binary $bin
            Write-Step "Running $bin $($rest -join ' ')"
            # The server runs in the caller's directory (where it may write dump/AOF files), not in the repo.
            Push-Location -LiteralPath $callerLocation
            try {
                & $bin @rest
                $exitCode = $LASTEXITCODE
            }
            finally {
                Pop-Location
            }
        }
        'test' {
            Invoke-Test $rest
            $exitCode = $script:TestExitCode
        }
        'bench' { Invoke-Bench $rest }
        'microbench' { Invoke-Microbench $rest }
        'clean' { Invoke-Clean }
        { $_ -in @('help', '-h', '--help', '-?', '/?') } { Show-Usage }
        default {
            Show-Usage
            throw "unknown verb '$verb'"
        }
    }
}
catch {
    Write-BuildError $_.Exception.Message
    $exitCode = 1
}
finally {
    Pop-Location
}
exit $exitCode
