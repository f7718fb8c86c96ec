using System.Diagnostics;
using System.Runtime.InteropServices;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;
using static Valkey.Native.Tests.Integration.PersistenceTestHelpers;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Signal shutdowns as Valkey's sigShutdownHandler / prepareForShutdown: a failed final save keeps
/// the server serving (unless shutdown-on-sig* has FORCE), DEBUG PAUSE-CRON holds a pending
/// shutdown that SHUTDOWN ABORT cancels, SIGINT works even when inherited as ignored, and the
/// small start-up/config pieces that go with it (signal dispositions, oom-score-adj, bind errors).
/// </summary>
[TestFixture]
[NonParallelizable]
public class ShutdownSignalTests
{
    private const int SigInt = 2, SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private static void Signal(ServerProcess server, int sig) =>
        Assert.That(kill(server.ProcessId!.Value, sig), Is.EqualTo(0), "kill() failed");

    [TestCase(SigTerm, "SIGTERM")]
    [TestCase(SigInt, "SIGINT")]
    public void ASignalShutdownWhoseFinalSaveFailsKeepsServing(int sig, string name)
    {
        using var server = ServerProcess.Start("--save", "900 1");
        Assert.That(server.Execute("SET", "a", "1"), Is.EqualTo("+OK\r\n"));
        string dump = Path.Combine(server.WorkingDirectory, "dump.rdb");
        Directory.CreateDirectory(dump); // the rename over dump.rdb fails

        Signal(server, sig);
        WaitForLog(server, "Errors trying to shut down the server. Check the logs for more information.");
        Assert.That(server.Log, Does.Contain($"Received {name} scheduling shutdown..."));
        Assert.That(server.Log, Does.Contain("Error trying to save the DB, can't exit."));
        Assert.That(server.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        Assert.That(server.HasExited, Is.False);

        // Once the save can succeed, the same signal shuts down cleanly with the data on disk.
        Directory.Delete(dump);
        Signal(server, sig);
        Assert.That(server.WaitForExit(TimeSpan.FromSeconds(10)), Is.EqualTo(0));
        Assert.That(File.Exists(dump), Is.True);
    }

    [Test]
    public void ShutdownOnSigtermForceExitsEvenWhenTheSaveFails()
    {
        using var server = ServerProcess.Start("--save", "900 1");
        Assert.That(server.Execute("CONFIG", "SET", "shutdown-on-sigterm", "force"), Is.EqualTo("+OK\r\n"));
        Directory.CreateDirectory(Path.Combine(server.WorkingDirectory, "dump.rdb"));
        Signal(server, SigTerm);
        Assert.That(server.WaitForExit(TimeSpan.FromSeconds(10)), Is.EqualTo(0));
        WaitForLog(server, "Error trying to save the DB. Exit anyway.");
    }

    [Test]
    public void ShutdownOnSigintNosaveSkipsTheFinalSave()
    {
        using var server = ServerProcess.Start("--save", "900 1", "--shutdown-on-sigint", "nosave");
        Assert.That(server.Execute("SET", "a", "1"), Is.EqualTo("+OK\r\n"));
        Signal(server, SigInt);
        Assert.That(server.WaitForExit(TimeSpan.FromSeconds(10)), Is.EqualTo(0));
        Assert.That(File.Exists(Path.Combine(server.WorkingDirectory, "dump.rdb")), Is.False);
        Assert.That(server.Log, Does.Not.Contain("Saving the final RDB snapshot"));
    }

    [Test]
    public void ShutdownAbortCancelsASigtermHeldByPauseCron()
    {
        using var server = ServerProcess.Start("--enable-debug-command", "yes", "--save", "900 1");
        using var client = server.CreateRawClient();
        Assert.That(client.Execute("SHUTDOWN", "ABORT"), Is.EqualTo(Err("ERR No shutdown in progress.")));
        Assert.That(client.Execute("DEBUG", "PAUSE-CRON", "1"), Is.EqualTo("+OK\r\n"));
        Signal(server, SigTerm);
        WaitForLog(server, "Received SIGTERM scheduling shutdown...");
        Thread.Sleep(200);
        Assert.That(server.HasExited, Is.False, "a paused cron must hold the signal shutdown");
        Assert.That(client.Execute("SHUTDOWN", "ABORT"), Is.EqualTo("+OK\r\n"));
        WaitForLog(server, "Shutdown manually aborted.");
        Assert.That(client.Execute("SHUTDOWN", "ABORT"), Is.EqualTo(Err("ERR No shutdown in progress.")));
        Assert.That(client.Execute("DEBUG", "PAUSE-CRON", "0"), Is.EqualTo("+OK\r\n"));
        Thread.Sleep(300);
        Assert.That(client.Execute("PING"), Is.EqualTo("+PONG\r\n"));

        // Without ABORT the held shutdown runs as soon as the cron resumes.
        Assert.That(client.Execute("DEBUG", "PAUSE-CRON", "1"), Is.EqualTo("+OK\r\n"));
        Signal(server, SigTerm);
        WaitForLog(server, "Received SIGTERM scheduling shutdown...", 2);
        Assert.That(client.Execute("DEBUG", "PAUSE-CRON", "0"), Is.EqualTo("+OK\r\n"));
        Assert.That(server.WaitForExit(TimeSpan.FromSeconds(10)), Is.EqualTo(0));
    }

    [Test]
    public void SigintInheritedAsIgnoredStillShutsDownAndSighupIsIgnored()
    {
        int port = ServerProcess.GetFreePort();
        string dir = Path.Combine(Path.GetTempPath(), "valkey-native-sig-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        // A non-interactive shell's background job: SIGINT and SIGQUIT ignored before exec.
        var psi = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", $"trap '' INT QUIT; exec '{ServerProcess.FindBinary()}' --port {port} --bind 127.0.0.1 --save ''" },
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        try
        {
            p.BeginOutputReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            string status = "";
            while (DateTime.UtcNow < deadline)
            {
                status = File.ReadAllText($"/proc/{p.Id}/status");
                if (File.ReadAllText($"/proc/{p.Id}/cmdline").Contains("valkey-native") && PingOk(port)) break;
                Thread.Sleep(50);
            }
            status = File.ReadAllText($"/proc/{p.Id}/status");
            ulong ignored = Convert.ToUInt64(status.Split('\n').First(l => l.StartsWith("SigIgn:")).Split(':')[1].Trim(), 16);
            Assert.That(ignored & (1UL << (SigInt - 1)), Is.EqualTo(0UL), "SIGINT must not stay ignored");
            Assert.That(ignored & (1UL << (1 - 1)), Is.Not.EqualTo(0UL), "SIGHUP is ignored, as Valkey");
            Assert.That(ignored & (1UL << (13 - 1)), Is.Not.EqualTo(0UL), "SIGPIPE is ignored, as Valkey");
            Assert.That(kill(p.Id, SigInt), Is.EqualTo(0));
            Assert.That(p.WaitForExit(10_000), Is.True, "SIGINT did not stop the server");
            Assert.That(p.ExitCode, Is.EqualTo(0));
        }
        finally
        {
            if (!p.HasExited) p.Kill();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static bool PingOk(int port)
    {
        try
        {
            using var c = new RawRespClient(port, "127.0.0.1", TimeSpan.FromSeconds(1));
            return c.Execute("PING") == "+PONG\r\n";
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
        {
            return false;
        }
    }

    [Test]
    public void ShutdownOnSignalParametersParseAndReportFlagsAsValkey()
    {
        using var server = ServerProcess.Start();
        Assert.That(server.Execute("CONFIG", "GET", "shutdown-on-sigterm"), Is.EqualTo("*2\r\n" + Bulk("shutdown-on-sigterm") + Bulk("default")));
        Assert.That(server.Execute("CONFIG", "SET", "shutdown-on-sigterm", "force nosave"), Is.EqualTo("+OK\r\n"));
        Assert.That(server.Execute("CONFIG", "GET", "shutdown-on-sigterm"), Is.EqualTo("*2\r\n" + Bulk("shutdown-on-sigterm") + Bulk("nosave force")));
        Assert.That(server.Execute("CONFIG", "SET", "shutdown-on-sigint", "save nosave"), Is.EqualTo(Err(
            "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously")));
        Assert.That(server.Execute("CONFIG", "SET", "shutdown-on-sigint", "later"), Is.EqualTo(Err(
            "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - argument(s) must be one of the following: default, save, nosave, now, force")));
    }

    [Test]
    public void ConfigSetBindToAnUnusableAddressFailsWithValkeysTextAndKeepsListening()
    {
        using var server = ServerProcess.Start();
        foreach (string bad in new[] { "999.999.999.999", "192.0.2.1" })
        {
            Assert.That(server.Execute("CONFIG", "SET", "bind", bad), Is.EqualTo(Err(
                "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.")), bad);
            Assert.That(server.Execute("CONFIG", "GET", "bind"), Is.EqualTo("*2\r\n" + Bulk("bind") + Bulk("127.0.0.1")));
        }
    }

    [Test]
    public void OomScoreAdjWritesProcSelfOomScoreAdj()
    {
        using var server = ServerProcess.Start();
        string file = $"/proc/{server.ProcessId}/oom_score_adj";
        int Read() => int.Parse(File.ReadAllText(file).Trim());
        int baseScore = Read();
        Assert.That(server.Execute("CONFIG", "GET", "oom-score-adj-values"), Is.EqualTo("*2\r\n" + Bulk("oom-score-adj-values") + Bulk("0 200 800")));
        Assert.That(server.Execute("CONFIG", "SET", "oom-score-adj-values", "10 20 30"), Is.EqualTo("+OK\r\n"));
        Assert.That(server.Execute("CONFIG", "SET", "oom-score-adj", "relative"), Is.EqualTo("+OK\r\n"));
        Assert.That(server.Execute("CONFIG", "GET", "oom-score-adj"), Is.EqualTo("*2\r\n" + Bulk("oom-score-adj") + Bulk("yes")));
        Assert.That(Read(), Is.EqualTo(baseScore + 10));
        Assert.That(server.Execute("CONFIG", "SET", "oom-score-adj-values", "15 20 30"), Is.EqualTo("+OK\r\n"));
        Assert.That(Read(), Is.EqualTo(baseScore + 15));
        Assert.That(server.Execute("CONFIG", "SET", "oom-score-adj", "absolute"), Is.EqualTo("+OK\r\n"));
        Assert.That(Read(), Is.EqualTo(15));
        Assert.That(server.Execute("CONFIG", "SET", "oom-score-adj", "no"), Is.EqualTo("+OK\r\n"));
        Assert.That(Read(), Is.EqualTo(baseScore));
        Assert.That(server.Execute("CONFIG", "SET", "oom-score-adj-values", "1 2"), Is.EqualTo(Err(
            "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments")));
        Assert.That(server.Execute("CONFIG", "SET", "oom-score-adj-values", "1 2 3000"), Is.EqualTo(Err(
            "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - Invalid oom-score-adj-values, elements must be between -2000 and 2000.")));
    }

    [Test]
    public void ExtendedRedisCompatibilityMakesHelloReportRedis()
    {
        using var server = ServerProcess.Start();
        using var client = server.CreateRawClient();
        Assert.That(client.Execute("HELLO"), Does.StartWith("*14\r\n" + Bulk("server") + Bulk("valkey") + Bulk("version") + Bulk("8.0.1")));
        Assert.That(client.Execute("CONFIG", "SET", "extended-redis-compatibility", "yes"), Is.EqualTo("+OK\r\n"));
        Assert.That(client.Execute("HELLO"), Does.StartWith("*14\r\n" + Bulk("server") + Bulk("redis") + Bulk("version") + Bulk("7.2.4")));
    }

    [Test]
    public void LazyfreeSwitchesDefaultToYesAsValkey8()
    {
        using var server = ServerProcess.Start();
        foreach (string name in new[] { "lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush" })
            Assert.That(server.Execute("CONFIG", "GET", name), Is.EqualTo("*2\r\n" + Bulk(name) + Bulk("yes")), name);
    }
}
