using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Valkey.Native.Tests.Infrastructure;

/// <summary>What one <c>redis-cli</c> run produced.</summary>
public sealed record RedisCliResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}; stdout: \"{RawRespClient.Escape(StdOut)}\"; stderr: \"{RawRespClient.Escape(StdErr)}\"";
}

/// <summary>
/// Runs Debian's <c>redis-cli</c> (<c>/usr/bin/redis-cli</c>, or <c>$REDIS_CLI</c>) against a loopback server:
/// <c>redis-cli -h 127.0.0.1 -p PORT args...</c>, optionally with a script on stdin, always with a timeout.
/// Note that redis-cli prints raw replies (no type annotations) when its stdout is not a terminal, as here.
/// </summary>
public static class RedisCli
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The redis-cli executable that will be used.</summary>
    public static string ExecutablePath
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("REDIS_CLI");
            if (!string.IsNullOrWhiteSpace(fromEnv)) return fromEnv;
            return File.Exists("/usr/bin/redis-cli") ? "/usr/bin/redis-cli" : "redis-cli";
        }
    }

    /// <summary>True if redis-cli can be run (use with <c>Assume.That(RedisCli.IsAvailable)</c> if needed).</summary>
    public static bool IsAvailable
    {
        get
        {
            try { return Run(0, new[] { "--version" }, stdin: null, TimeSpan.FromSeconds(10), connectArgs: false).ExitCode == 0; }
            catch (Exception e) when (e is Win32Exception or TimeoutException or InvalidOperationException) { return false; }
        }
    }

    /// <summary>Runs <c>redis-cli -h 127.0.0.1 -p port args...</c>.</summary>
    public static RedisCliResult Run(int port, params string[] args) => Run(port, args, stdin: null);

    /// <summary>Runs <c>redis-cli -h 127.0.0.1 -p port args...</c> with <paramref name="script"/> written to its stdin.</summary>
    public static RedisCliResult RunScript(int port, string script, params string[] args) => Run(port, args, script);

    /// <summary>
    /// Runs redis-cli. Throws <see cref="TimeoutException"/> (after killing it) if it does not finish within
    /// <paramref name="timeout"/> (default 30 s). With <paramref name="connectArgs"/> false, no <c>-h/-p</c> is added.
    /// </summary>
    public static RedisCliResult Run(int port, IEnumerable<string> args, string? stdin, TimeSpan? timeout = null, bool connectArgs = true)
    {
        var psi = new ProcessStartInfo(ExecutablePath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        // Keep redis-cli from reading ~/.redisclirc or writing a history file.
        psi.Environment["REDISCLI_HISTFILE"] = "/dev/null";
        psi.Environment["REDISCLI_RCFILE"] = "/dev/null";
        if (connectArgs)
        {
            psi.ArgumentList.Add("-h");
            psi.ArgumentList.Add("127.0.0.1");
            psi.ArgumentList.Add("-p");
            psi.ArgumentList.Add(port.ToString());
        }
        foreach (var a in args) psi.ArgumentList.Add(a);

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderrTask = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                p.StandardInput.Write(stdin);
                p.StandardInput.Flush();
            }
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // redis-cli exited without reading all its input; its output tells why.
        }

        var limit = timeout ?? DefaultTimeout;
        if (!p.WaitForExit((int)limit.TotalMilliseconds))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit(5000);
            string partialOut = TryResult(stdoutTask), partialErr = TryResult(stderrTask);
            throw new TimeoutException(
                $"redis-cli {string.Join(' ', psi.ArgumentList)} did not finish within {limit.TotalSeconds:0.###} s; " +
                $"stdout so far: \"{RawRespClient.Escape(partialOut)}\"; stderr so far: \"{RawRespClient.Escape(partialErr)}\"");
        }
        p.WaitForExit();
        if (!Task.WaitAll(new Task[] { stdoutTask, stderrTask }, TimeSpan.FromSeconds(10)))
            throw new TimeoutException("redis-cli exited but its output streams stayed open");
        return new RedisCliResult(p.ExitCode, stdoutTask.Result, stderrTask.Result);
    }

    private static string TryResult(Task<string> t) =>
        t.Wait(TimeSpan.FromSeconds(2)) ? t.Result : "(unavailable)";
}
