using System.Diagnostics;
using NUnit.Framework;

namespace Valkey.Native.Tests.Infrastructure;

/// <summary>
/// Debian's redis-server started on a free loopback port without persistence, as the reference
/// for differential and interoperability tests (Redis 7 shares Valkey's value formats and most
/// replies). <see cref="StartOrIgnore"/> marks the calling fixture ignored when it is not installed.
/// </summary>
public sealed class ReferenceRedisServer : IDisposable
{
    public const string DefaultPath = "/usr/bin/redis-server";

    private readonly Process _process;
    private readonly string? _ownDirectory;

    public int Port { get; }

    private ReferenceRedisServer(Process process, int port, string? ownDirectory)
    {
        _process = process;
        Port = port;
        _ownDirectory = ownDirectory;
    }

    /// <summary>Starts redis-server in a directory of its own and waits until it answers PING (10 s at most).</summary>
    public static ReferenceRedisServer StartOrIgnore(string path = DefaultPath) => StartOrIgnore(path, null);

    /// <summary>
    /// Starts redis-server in <paramref name="workingDirectory"/> (its dir: SAVE writes dump.rdb there and
    /// an existing dump.rdb is loaded at start), or with null in a new empty directory deleted on
    /// Dispose (a shared directory such as /tmp could hold somebody's dump.rdb, which it would load),
    /// with <paramref name="extraArgs"/> after the defaults.
    /// </summary>
    public static ReferenceRedisServer StartOrIgnore(string path, string? workingDirectory, params string[] extraArgs)
    {
        if (!File.Exists(path)) Assert.Ignore($"{path} is not installed");
        string? ownDirectory = workingDirectory == null ? Directory.CreateTempSubdirectory("vn-reference-redis-").FullName : null;
        workingDirectory ??= ownDirectory!;
        int port = ServerProcess.GetFreePort();
        var psi = new ProcessStartInfo(path)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory,
        };
        foreach (var arg in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
            psi.ArgumentList.Add(arg);
        foreach (var arg in extraArgs) psi.ArgumentList.Add(arg);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ReferenceRedisServer(process, port, ownDirectory);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = server.CreateRawClient();
                if (probe.Execute("PING") == "+PONG\r\n") return server;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    public RawRespClient CreateRawClient() => new(Port);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        if (_ownDirectory != null)
        {
            try { Directory.Delete(_ownDirectory, recursive: true); }
            catch (IOException) { }
        }
    }
}
