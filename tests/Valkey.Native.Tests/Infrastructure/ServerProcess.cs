using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using NUnit.Framework;
using StackExchange.Redis;

namespace Valkey.Native.Tests.Infrastructure
{
    /// <summary>
    /// One server process on a free loopback port, for end-to-end tests.
    /// <para>
    /// The binary is <c>$VALKEY_NATIVE_BINARY</c> (set by <c>./build.sh test</c>) or, failing that,
    /// <c>artifacts/valkey-native</c> found by walking up from the test assembly's directory.
    /// It is started as <c>binary [configFile] --port N --bind 127.0.0.1 [extraArgs...]</c> in a fresh
    /// temporary working directory (so dump/AOF files never land in the repo), and the constructor
    /// returns once it answers PING (10 s at most, else it throws with the server's log).
    /// </para>
    /// </summary>
    public sealed class ServerProcess : IDisposable
    {
        public const string BinaryEnvironmentVariable = "VALKEY_NATIVE_BINARY";
        public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(10);
        public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(10);
        private const int PortAttempts = 5;

        private static readonly ConcurrentDictionary<ServerProcess, byte> Live = new();
        private static readonly string TempRoot = Path.Combine(Path.GetTempPath(), "valkey-native-tests");
        private static int _exitHookInstalled;

        private readonly object _logLock = new();
        private readonly StringBuilder _log = new();
        private readonly StringBuilder _stdout = new();
        private readonly StringBuilder _stderr = new();
        private readonly List<string> _extraArgs;
        private readonly bool _ownsWorkingDirectory;
        private Process? _process;
        private Process? _watchdog;
        private bool _disposed;
        private int? _lastPid;
        private int? _lastExitCode;

        /// <summary>Starts a server with <c>--port N --bind 127.0.0.1</c> followed by <paramref name="extraArgs"/>.</summary>
        public ServerProcess(params string[] extraArgs) : this(extraArgs, configFile: null) { }

        /// <summary>
        /// Starts a server. <paramref name="configFile"/>, if given, is passed first (as redis/valkey expect);
        /// <paramref name="workingDirectory"/> defaults to a new temporary directory deleted on Dispose.
        /// </summary>
        public ServerProcess(IEnumerable<string>? extraArgs, string? configFile = null, string? workingDirectory = null)
        {
            BinaryPath = FindBinary();
            _extraArgs = extraArgs?.ToList() ?? new List<string>();
            ConfigFile = configFile is null ? null : Path.GetFullPath(configFile);
            if (workingDirectory is null)
            {
                WorkingDirectory = Path.Combine(TempRoot, $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..24]);
                _ownsWorkingDirectory = true;
            }
            else
            {
                WorkingDirectory = Path.GetFullPath(workingDirectory);
            }
            Directory.CreateDirectory(WorkingDirectory);
            InstallExitHook();
            Live[this] = 0;
            try
            {
                StartOnFreePort();
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>Starts a server; same as <c>new ServerProcess(extraArgs)</c>.</summary>
        public static ServerProcess Start(params string[] extraArgs) => new(extraArgs);

        /// <summary>Starts a server with a config file (passed as the first argument).</summary>
        public static ServerProcess StartWithConfig(string configFile, params string[] extraArgs) => new(extraArgs, configFile);

        public string BinaryPath { get; }
        public string? ConfigFile { get; }
        public string WorkingDirectory { get; }
        public string Host => "127.0.0.1";
        public int Port { get; private set; }
        public string Endpoint => $"127.0.0.1:{Port}";

        /// <summary>The full argument list of the current (or last) run.</summary>
        public IReadOnlyList<string> Arguments { get; private set; } = Array.Empty<string>();

        public int? ProcessId => _disposed ? _lastPid : _process is { } p ? SafeId(p) : null;
        public bool HasExited => _disposed || _process is null || _process.HasExited;

        /// <summary>The exit code once the process has exited (on Unix, 128+N for signal N), else null.</summary>
        public int? ExitCode => _disposed ? _lastExitCode : _process is { HasExited: true } p ? p.ExitCode : null;

        /// <summary>Everything the server wrote to stdout and stderr, interleaved, line by line.</summary>
        public string Log { get { lock (_logLock) return _log.ToString(); } }
        public string StdOut { get { lock (_logLock) return _stdout.ToString(); } }
        public string StdErr { get { lock (_logLock) return _stderr.ToString(); } }

        // ------------------------------------------------------------------ clients

        /// <summary>A StackExchange.Redis connection (AllowAdmin = true, AbortOnConnectFail = false).</summary>
        public ConnectionMultiplexer Connect(Action<ConfigurationOptions>? configure = null)
        {
            var options = new ConfigurationOptions
            {
                EndPoints = { { IPAddress.Loopback, Port } },
                AllowAdmin = true,
                AbortOnConnectFail = false,
                ConnectTimeout = 5000,
                SyncTimeout = 5000,
                AsyncTimeout = 5000,
                ConnectRetry = 3,
            };
            configure?.Invoke(options);
            return ConnectionMultiplexer.Connect(options);
        }

        /// <summary>A raw socket client connected to this server.</summary>
        public RawRespClient CreateRawClient(TimeSpan? timeout = null) => new(Port, Host, timeout);

        /// <summary>Runs one command on a new raw connection and returns the raw reply.</summary>
        public string Execute(params string[] args)
        {
            using var raw = CreateRawClient();
            return raw.Execute(args);
        }

        /// <summary>Runs <c>redis-cli -h 127.0.0.1 -p Port args...</c>.</summary>
        public RedisCliResult Cli(params string[] args) => RedisCli.Run(Port, args);

        // ------------------------------------------------------------------ lifecycle

        /// <summary>
        /// Asks the server to stop (SIGTERM; on Windows there is none, so it is killed) and waits up to
        /// <paramref name="timeout"/>; kills it if it is still running then. Returns true if it exited by itself.
        /// </summary>
        public bool Stop(TimeSpan? timeout = null)
        {
            if (_disposed) return true;
            var p = _process;
            if (p is null || p.HasExited) { DrainOutput(p); return true; }
            bool graceful = false;
            if (!OperatingSystem.IsWindows() && SafeId(p) is int pid)
            {
                if (NativeMethods.kill(pid, NativeMethods.SIGTERM) == 0)
                    graceful = p.WaitForExit(ToMs(timeout ?? DefaultStopTimeout));
            }
            if (!graceful)
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } catch (Win32Exception) { }
                p.WaitForExit(ToMs(DefaultStopTimeout));
            }
            DrainOutput(p);
            return graceful;
        }

        /// <summary>Kills the server at once (SIGKILL) and waits for it to go.</summary>
        public void Kill()
        {
            if (_disposed) return;
            var p = _process;
            if (p is null || p.HasExited) { DrainOutput(p); return; }
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } catch (Win32Exception) { }
            p.WaitForExit(ToMs(DefaultStopTimeout));
            DrainOutput(p);
        }

        /// <summary>Waits for the server to exit by itself (e.g. after SHUTDOWN); returns the exit code or null on timeout.</summary>
        public int? WaitForExit(TimeSpan timeout)
        {
            if (_disposed) return _lastExitCode;
            var p = _process;
            if (p is null) return null;
            if (!p.WaitForExit(ToMs(timeout))) return null;
            DrainOutput(p);
            return p.ExitCode;
        }

        /// <summary>
        /// Stops the server (gracefully, see <see cref="Stop"/>) and starts it again with the same port,
        /// arguments and working directory, so persisted files are picked up again.
        /// </summary>
        public void Restart(TimeSpan? stopTimeout = null)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Stop(stopTimeout);
            AppendLog("---- restart ----");
            StartOn(Port);
            if (!WaitUntilReady(out var why))
                throw StartFailure($"did not become ready after restart on port {Port}: {why}");
        }

        /// <summary>Stops the server (gracefully, 5 s at most) and deletes its temporary working directory.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            try { Stop(TimeSpan.FromSeconds(5)); } catch { /* best effort */ }
            StopWatchdog();
            _disposed = true;
            if (_process is { } p)
            {
                _lastPid = SafeId(p);
                try { _lastExitCode = p.HasExited ? p.ExitCode : null; } catch (InvalidOperationException) { }
                p.Dispose();
            }
            Live.TryRemove(this, out _);
            if (_ownsWorkingDirectory && Environment.GetEnvironmentVariable("VALKEY_NATIVE_KEEP_TEST_DIRS") != "1")
            {
                try { Directory.Delete(WorkingDirectory, recursive: true); } catch { /* best effort */ }
            }
        }

        public override string ToString() => $"ServerProcess({BinaryPath} on {Endpoint}, pid {ProcessId})";

        // ------------------------------------------------------------------ binary discovery

        /// <summary>
        /// <c>$VALKEY_NATIVE_BINARY</c> if set, else <c>artifacts/valkey-native[.exe]</c> in the first directory
        /// above the test assembly that has one. Throws with instructions if there is none.
        /// </summary>
        public static string FindBinary()
        {
            var fromEnv = Environment.GetEnvironmentVariable(BinaryEnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(fromEnv))
            {
                var full = Path.GetFullPath(fromEnv);
                if (!File.Exists(full))
                    throw new FileNotFoundException($"{BinaryEnvironmentVariable} points to '{full}', which does not exist.", full);
                return full;
            }

            string name = OperatingSystem.IsWindows() ? "valkey-native.exe" : "valkey-native";
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "artifacts", name);
                if (File.Exists(candidate)) return candidate;
                if (File.Exists(Path.Combine(dir.FullName, "Valkey.Native.sln")))
                    break; // repo root reached without a published binary
            }
            throw new FileNotFoundException(
                $"Cannot find the server binary: {BinaryEnvironmentVariable} is not set and no artifacts/{name} was found " +
                $"above {AppContext.BaseDirectory}. Run './build.sh' (or './build.sh test') first, or set {BinaryEnvironmentVariable}.");
        }

        /// <summary>A loopback TCP port that was free a moment ago.</summary>
        public static int GetFreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
            finally { listener.Stop(); }
        }

        // ------------------------------------------------------------------ internals

        private void StartOnFreePort()
        {
            string why = "";
            for (int attempt = 1; attempt <= PortAttempts; attempt++)
            {
                StartOn(GetFreePort());
                if (WaitUntilReady(out why)) return;
                // The port may have been taken between picking and binding: try another one.
                bool portClash = Log.Contains("in use", StringComparison.OrdinalIgnoreCase);
                if (!portClash || attempt == PortAttempts) break;
                Kill();
                AppendLog($"---- port {Port} was taken, retrying on another port ----");
            }
            var failure = StartFailure(why);
            Kill();
            throw failure;
        }

        private void StartOn(int port)
        {
            Port = port;
            var args = new List<string>();
            if (ConfigFile is not null) args.Add(ConfigFile);
            args.AddRange(new[] { "--port", port.ToString(), "--bind", "127.0.0.1" });
            args.AddRange(_extraArgs);
            Arguments = args;

            var psi = new ProcessStartInfo(BinaryPath)
            {
                WorkingDirectory = WorkingDirectory,
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            foreach (var a in args) psi.ArgumentList.Add(a);

            var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
            p.OutputDataReceived += (_, e) => { if (e.Data is not null) AppendLog(e.Data, _stdout); };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) AppendLog(e.Data, _stderr); };
            AppendLog($"---- starting: {BinaryPath} {string.Join(' ', args.Select(Quote))} (cwd {WorkingDirectory}) ----");
            if (!p.Start())
                throw new InvalidOperationException($"Could not start {BinaryPath}");
            _process?.Dispose();
            _process = p;
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            try { p.StandardInput.Close(); } catch (IOException) { }
            StartWatchdog(p.Id);
        }

        // If the test host dies without running its exit handlers (crash, FailFast, killed by the hang
        // timeout), a small shell loop kills the server, so no server outlives the test run.
        private void StartWatchdog(int serverPid)
        {
            StopWatchdog();
            if (OperatingSystem.IsWindows() || !File.Exists("/bin/sh")) return;
            var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(
                "exec </dev/null >/dev/null 2>&1; " +
                $"while kill -0 {Environment.ProcessId}; do kill -0 {serverPid} || exit 0; sleep 1; done; " +
                $"kill -KILL {serverPid}; " +
                (_ownsWorkingDirectory ? "sleep 1; rm -rf \"$1\"" : "true"));
            psi.ArgumentList.Add("valkey-native-test-watchdog"); // $0
            psi.ArgumentList.Add(WorkingDirectory);               // $1
            try { _watchdog = Process.Start(psi); }
            catch (Win32Exception) { _watchdog = null; }
        }

        private void StopWatchdog()
        {
            var w = _watchdog;
            _watchdog = null;
            if (w is null) return;
            try { if (!w.HasExited) w.Kill(); } catch (InvalidOperationException) { } catch (Win32Exception) { }
            w.Dispose();
        }

        private bool WaitUntilReady(out string why)
        {
            var sw = Stopwatch.StartNew();
            why = "timed out";
            while (sw.Elapsed < StartupTimeout)
            {
                if (_process is null || _process.HasExited)
                {
                    DrainOutput(_process);
                    why = $"exited with code {_process?.ExitCode} before answering PING";
                    return false;
                }
                var reply = TryPing(Port, TimeSpan.FromMilliseconds(500));
                if (reply is not null)
                {
                    // +PONG, or an error that still proves a live server (e.g. -NOAUTH with requirepass).
                    if (!reply.StartsWith("-LOADING", StringComparison.Ordinal) && !_process.HasExited)
                        return true;
                    why = $"last PING reply: {reply}";
                }
                Thread.Sleep(50);
            }
            why = $"no PING reply within {StartupTimeout.TotalSeconds:0} s ({why})";
            return false;
        }

        private static string? TryPing(int port, TimeSpan timeout)
        {
            try
            {
                using var client = new RawRespClient(port, "127.0.0.1", timeout);
                client.Send("*1\r\n$4\r\nPING\r\n"u8);
                return client.ReadLine();
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException or RespProtocolException)
            {
                return null;
            }
        }

        private Exception StartFailure(string why) =>
            new InvalidOperationException(
                $"Server '{BinaryPath}' {why}.{Environment.NewLine}" +
                $"Arguments: {string.Join(' ', Arguments.Select(Quote))}{Environment.NewLine}" +
                $"---- server log ----{Environment.NewLine}{Log}");

        private void AppendLog(string line, StringBuilder? stream = null)
        {
            lock (_logLock)
            {
                _log.AppendLine(line);
                stream?.AppendLine(line);
            }
        }

        private static void DrainOutput(Process? p)
        {
            // After exit, give the async readers a moment to deliver the last lines (bounded, in case
            // a forked child still holds the pipes).
            try { p?.WaitForExit(2000); } catch (InvalidOperationException) { }
        }

        private static int? SafeId(Process p)
        {
            try { return p.Id; } catch (InvalidOperationException) { return null; }
        }

        private static int ToMs(TimeSpan t) => (int)Math.Clamp(t.TotalMilliseconds, 0, int.MaxValue);

        private static string Quote(string a) => a.Length == 0 ? "\"\"" : a.Contains(' ') ? $"\"{a}\"" : a;

        private static void InstallExitHook()
        {
            if (Interlocked.Exchange(ref _exitHookInstalled, 1) == 1) return;
            SweepStaleWorkingDirectories();
            // Never leave servers behind, even if a fixture forgot to dispose one.
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                foreach (var server in Live.Keys)
                {
                    try { server.Kill(); } catch { /* exiting anyway */ }
                }
            };
        }

        // Deletes working directories left behind by test hosts that are gone (named "<pid>-<guid>").
        private static void SweepStaleWorkingDirectories()
        {
            try
            {
                if (!Directory.Exists(TempRoot)) return;
                foreach (var dir in Directory.GetDirectories(TempRoot))
                {
                    var name = Path.GetFileName(dir);
                    int dash = name.IndexOf('-');
                    if (dash <= 0 || !int.TryParse(name.AsSpan(0, dash), out int pid) || pid == Environment.ProcessId) continue;
                    if (Directory.GetLastWriteTimeUtc(dir) > DateTime.UtcNow.AddMinutes(-10)) continue;
                    bool alive;
                    try { using var p = Process.GetProcessById(pid); alive = !p.HasExited; }
                    catch (ArgumentException) { alive = false; }
                    catch (InvalidOperationException) { alive = false; }
                    if (!alive)
                    {
                        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // best effort
            }
        }

        private static class NativeMethods
        {
            public const int SIGTERM = 15; // same value on Linux and macOS

            [DllImport("libc", SetLastError = true)]
            public static extern int kill(int pid, int sig);
        }
    }

    /// <summary>
    /// One lazily started server shared by every test that does not need its own.
    /// Such tests must use their own keys (or their own database) and must not change global state
    /// (CONFIG SET, FLUSHALL, SHUTDOWN, DEBUG ...): tests that do start a <see cref="ServerProcess"/> of their own.
    /// If the shared server has died (a crash fails the test that caused it), the next access starts a new one.
    /// Disposed at the end of the run by <see cref="Valkey.Native.Tests.SharedServerTeardown"/>.
    /// </summary>
    public static class SharedServer
    {
        private static readonly object Lock = new();
        private static ServerProcess? _server;
        private static ConnectionMultiplexer? _connection;

        /// <summary>The shared server, started on first use (and restarted if it died).</summary>
        public static ServerProcess Instance
        {
            get
            {
                lock (Lock)
                {
                    if (_server is { HasExited: true })
                    {
                        TestContext.Progress.WriteLine(
                            $"SharedServer: the shared server (pid {_server.ProcessId}) had exited with code {_server.ExitCode}; starting a new one. Its log:{Environment.NewLine}{_server.Log}");
                        _connection?.Dispose();
                        _connection = null;
                        _server.Dispose();
                        _server = null;
                    }
                    return _server ??= new ServerProcess();
                }
            }
        }

        public static int Port => Instance.Port;
        public static string Endpoint => Instance.Endpoint;

        /// <summary>A StackExchange.Redis connection to the shared server, shared too (do not dispose it).</summary>
        public static ConnectionMultiplexer Connection
        {
            get
            {
                var server = Instance;
                lock (Lock)
                {
                    return _connection ??= server.Connect();
                }
            }
        }

        /// <summary>A new raw client to the shared server (dispose it).</summary>
        public static RawRespClient CreateRawClient(TimeSpan? timeout = null) => Instance.CreateRawClient(timeout);

        /// <summary>Runs one command on a new raw connection to the shared server and returns the raw reply.</summary>
        public static string Execute(params string[] args) => Instance.Execute(args);

        /// <summary>Stops the shared server; a later access would start a new one.</summary>
        public static void Dispose()
        {
            lock (Lock)
            {
                _connection?.Dispose();
                _connection = null;
                _server?.Dispose();
                _server = null;
            }
        }
    }
}

namespace Valkey.Native.Tests
{
    /// <summary>Stops <see cref="Infrastructure.SharedServer"/> after all tests in this namespace (and below) have run.</summary>
    [SetUpFixture]
    public sealed class SharedServerTeardown
    {
        [OneTimeTearDown]
        public void StopSharedServer() => Infrastructure.SharedServer.Dispose();
    }
}
