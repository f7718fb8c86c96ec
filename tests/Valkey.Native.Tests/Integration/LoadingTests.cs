using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using StackExchange.Redis;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Loading a dataset serves clients meanwhile (Valkey's processEventsWhileBlocked): commands without the
/// LOADING flag get -LOADING, LOADING ones (INFO, CONFIG, CLIENT...) run, INFO persistence shows the live
/// loading_* fields, and afterwards everything is served with the data intact. key-load-delay (a debug
/// config: microseconds per key) makes the load slow enough to be observed, as in Valkey's own tests.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class LoadingTests
{
    private const string LoadingError = "-LOADING Valkey is loading the dataset in memory\r\n";
    private const int Keys = 100_000;

    private static string Info(RawRespClient raw) => BulkText(raw.Execute("INFO", "persistence"));

    /// <summary>Writes dump.rdb with <see cref="Keys"/> populated keys plus a marker into <paramref name="dir"/>; returns the binary.</summary>
    private static string MakeDump(string dir)
    {
        using var gen = new ServerProcess(["--save", "", "--enable-debug-command", "yes"], workingDirectory: dir);
        using var raw = gen.CreateRawClient();
        Assert.That(raw.Execute("DEBUG", "POPULATE", Keys.ToString(), "key", "64"), Is.EqualTo("+OK\r\n"));
        raw.Execute("SET", "marker", "intact");
        raw.Execute("RPUSH", "list:marker", "a", "b", "c");
        Assert.That(raw.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        return gen.BinaryPath;
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Starts the binary directly (ServerProcess waits until loading ends) and connects as soon as it listens.</summary>
    private static Process StartLoading(string binary, string dir, int port, params string[] extra)
    {
        var psi = new ProcessStartInfo(binary) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--logfile", Path.Combine(dir, "server.log") }.Concat(extra))
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static RawRespClient ConnectWhenListening(int port)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try { return new RawRespClient(port, "127.0.0.1", TimeSpan.FromSeconds(10)); }
            catch (SocketException) when (sw.Elapsed < TimeSpan.FromSeconds(10)) { Thread.Sleep(10); }
        }
    }

    private static void WaitLoaded(RawRespClient raw)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (InfoParser.Field(Info(raw), "loading") != 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the load did not end");
            Thread.Sleep(50);
        }
    }

    private static void Kill(Process p)
    {
        try { if (!p.HasExited) p.Kill(); p.WaitForExit(5000); } catch (InvalidOperationException) { }
        p.Dispose();
    }

    private static string NewDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "valkey-native-tests", "loading-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Test]
    public void ClientsGetLoadingDuringStartupLoadThenEverythingIsServed()
    {
        string dir = NewDir();
        Process? p = null;
        try
        {
            string binary = MakeDump(dir);
            long fileSize = new FileInfo(Path.Combine(dir, "dump.rdb")).Length;
            int port = FreePort();
            // 100k keys x 40 us: about 4 s of loading.
            p = StartLoading(binary, dir, port, "--save", "", "--key-load-delay", "40", "--enable-protected-configs", "yes");
            using var raw = ConnectWhenListening(port);
            Assert.That(raw.Execute("GET", "marker"), Is.EqualTo(LoadingError));
            Assert.That(raw.Execute("DBSIZE"), Is.EqualTo(LoadingError));
            Assert.That(raw.Execute("PING"), Is.EqualTo(LoadingError), "PING has no LOADING flag in Valkey");
            Assert.That(raw.Execute("ECHO", "hi"), Is.EqualTo(Bulk("hi")));
            Assert.That(raw.Execute("CONFIG", "GET", "key-load-delay"), Is.EqualTo("*2\r\n$14\r\nkey-load-delay\r\n$2\r\n40\r\n"));
            // DENY_LOADING_CONFIG parameters get the LOADING error; others can be set.
            Assert.That(raw.Execute("CONFIG", "SET", "appendonly", "yes"), Is.EqualTo(LoadingError));
            Assert.That(raw.Execute("CONFIG", "SET", "dir", "asdf"), Is.EqualTo(LoadingError));
            Assert.That(raw.Execute("CONFIG", "SET", "loglevel", "verbose"), Is.EqualTo("+OK\r\n"));
            // extended-redis-compatibility names the server Redis in the error, as Valkey's shared loadingerr does.
            Assert.That(raw.Execute("CONFIG", "SET", "extended-redis-compatibility", "yes"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("GET", "marker"), Is.EqualTo("-LOADING Redis is loading the dataset in memory\r\n"));
            Assert.That(raw.Execute("CONFIG", "SET", "extended-redis-compatibility", "no"), Is.EqualTo("+OK\r\n"));
            string info = Info(raw);
            Assert.That(InfoParser.Field(info, "loading"), Is.EqualTo(1));
            Assert.That(InfoParser.Field(info, "async_loading"), Is.EqualTo(0));
            Assert.That(InfoParser.Field(info, "loading_total_bytes"), Is.EqualTo(fileSize));
            long loaded1 = InfoParser.Field(info, "loading_loaded_bytes");
            Assert.That(loaded1, Is.InRange(0, fileSize));
            Assert.That(InfoParser.Field(info, "loading_start_time"), Is.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 30, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            Assert.That(info, Does.Match(@"loading_loaded_perc:\d+\.\d\d\r\n"));
            Assert.That(info, Does.Contain("loading_eta_seconds:"));

            // A transaction: the refused command makes EXEC fail (it is never queued).
            Assert.That(raw.Execute("MULTI"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("SET", "x", "1"), Is.EqualTo(LoadingError));
            Assert.That(raw.Execute("EXEC"), Does.StartWith("-"));

            // Clients that come and go during the load are cleaned up.
            for (int i = 0; i < 5; i++)
            {
                using var gone = new RawRespClient(port);
                gone.SendCommand("GET", "marker");
            }
            Thread.Sleep(300);
            Assert.That(InfoParser.Field(Info(raw), "loading_loaded_bytes"), Is.GreaterThan(loaded1), "progress is live");

            // StackExchange.Redis connects during the load and gets the value once it ends.
            using var mux = ConnectionMultiplexer.Connect(new ConfigurationOptions
            {
                EndPoints = { { IPAddress.Loopback, port } }, AbortOnConnectFail = false, AllowAdmin = true, ConnectTimeout = 5000, SyncTimeout = 5000,
            });
            var db = mux.GetDatabase();
            RedisValue value = RedisValue.Null;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                try { value = db.StringGet("marker"); break; }
                catch (RedisServerException e) when (e.Message.StartsWith("LOADING", StringComparison.Ordinal)) { Thread.Sleep(50); }
            }
            Assert.That((string?)value, Is.EqualTo("intact"));

            WaitLoaded(raw);
            Assert.That(raw.Execute("DBSIZE"), Is.EqualTo(Int(Keys + 2)));
            Assert.That(raw.Execute("LRANGE", "list:marker", "0", "-1"), Is.EqualTo("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"));
            Assert.That(raw.Execute("GET", "key:77"), Does.StartWith("$64\r\nvalue:77"));
            Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"));
            Assert.That(raw.Execute("SET", "x", "1"), Is.EqualTo("+OK\r\n"));
            Assert.That(InfoParser.Field(BulkText(raw.Execute("INFO", "clients")), "connected_clients"), Is.InRange(2, 3), "raw + SE.Redis (interactive, subscription): the 5 gone clients were cleaned up");
            string log = File.ReadAllText(Path.Combine(dir, "server.log"));
            Assert.That(log, Does.Contain($"Done loading RDB, keys loaded: {Keys + 2}, keys expired: 0."));
            Assert.That(log, Does.Contain("Loading RDB: "), "a progress line");
            Assert.That(log.IndexOf("Done loading RDB", StringComparison.Ordinal), Is.LessThan(log.IndexOf("Ready to accept connections", StringComparison.Ordinal)));
        }
        finally
        {
            if (p != null) Kill(p);
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    [Test]
    public void ShutdownDuringLoadExitsWithoutSavingTheHalfLoadedDataset()
    {
        string dir = NewDir();
        Process? p = null;
        try
        {
            string binary = MakeDump(dir);
            string dump = Path.Combine(dir, "dump.rdb");
            byte[] before = File.ReadAllBytes(dump);
            int port = FreePort();
            // With save points a plain SHUTDOWN saves; not while loading (Valkey forces NOSAVE).
            p = StartLoading(binary, dir, port, "--save", "900 1", "--key-load-delay", "100");
            using var raw = ConnectWhenListening(port);
            Assert.That(InfoParser.Field(Info(raw), "loading"), Is.EqualTo(1));
            raw.SendCommand("SHUTDOWN");
            Assert.That(p.WaitForExit(10_000), Is.True, "the server exits during the load");
            Assert.That(p.ExitCode, Is.EqualTo(0));
            Assert.That(File.ReadAllBytes(dump), Is.EqualTo(before), "the file being loaded is untouched");
        }
        finally
        {
            if (p != null) Kill(p);
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    [Test]
    public void DebugReloadServesOtherClientsWithLoadingAndKeepsTheCallersPipeline()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient();
        Assert.That(raw.Execute("DEBUG", "POPULATE", "50000", "key", "16"), Is.EqualTo("+OK\r\n"));
        raw.Execute("SET", "marker", "intact");
        Assert.That(raw.Execute("SAVE"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("CONFIG", "SET", "key-load-delay", "60"), Is.EqualTo("+OK\r\n"));

        using var caller = server.CreateRawClient(TimeSpan.FromSeconds(30));
        // The caller's pipelined commands wait until its DEBUG RELOAD is done; they then see the data.
        caller.Send(RawRespClient.EncodeCommand("DEBUG", "RELOAD", "NOSAVE").Concat(RawRespClient.EncodeCommand("GET", "marker")).ToArray());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (InfoParser.Field(Info(raw), "loading") == 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the reload did not start");
            Thread.Sleep(5);
        }
        Assert.That(raw.Execute("GET", "marker"), Is.EqualTo(LoadingError));
        Assert.That(raw.Execute("DEBUG", "RELOAD"), Is.EqualTo(LoadingError), "no load within a load");
        Assert.That(raw.Execute("DEBUG", "LOG", "hello"), Is.EqualTo("+OK\r\n"), "DEBUG LOG leaves the dataset alone");
        Assert.That(raw.Execute("CLIENT", "SETNAME", "other"), Is.EqualTo("+OK\r\n"));
        Assert.That(caller.ReadReply(), Is.EqualTo("+OK\r\n"));
        Assert.That(caller.ReadReply(), Is.EqualTo(Bulk("intact")));
        Assert.That(raw.Execute("CONFIG", "SET", "key-load-delay", "0"), Is.EqualTo("+OK\r\n"));
        Assert.That(InfoParser.Field(Info(raw), "loading"), Is.EqualTo(0));
        Assert.That(raw.Execute("DBSIZE"), Is.EqualTo(Int(50_001)));
        Assert.That(raw.Execute("GET", "marker"), Is.EqualTo(Bulk("intact")));
    }

    [Test]
    public void AofWithRdbBaseServesLoadingAtStartup()
    {
        using var server = ServerProcess.Start("--save", "", "--appendonly", "yes", "--enable-debug-command", "yes");
        using (var raw = server.CreateRawClient())
        {
            Assert.That(raw.Execute("DEBUG", "POPULATE", "50000", "key", "16"), Is.EqualTo("+OK\r\n"));
            // DEBUG POPULATE is not propagated: a rewrite puts the keys in the (RDB) base.
            Assert.That(raw.Execute("BGREWRITEAOF"), Does.StartWith("+"));
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (InfoParser.Field(Info(raw), "aof_rewrite_in_progress") != 0 || InfoParser.Field(Info(raw), "aof_rewrite_scheduled") != 0)
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline));
                Thread.Sleep(20);
            }
            raw.Execute("SET", "marker", "intact");
            Assert.That(raw.Execute("CONFIG", "SET", "key-load-delay", "60"), Is.EqualTo("+OK\r\n"));
            using var caller = server.CreateRawClient(TimeSpan.FromSeconds(30));
            caller.SendCommand("DEBUG", "LOADAOF");
            deadline = DateTime.UtcNow.AddSeconds(10);
            while (InfoParser.Field(Info(raw), "loading") == 0)
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the AOF load did not start");
                Thread.Sleep(5);
            }
            Assert.That(raw.Execute("EXISTS", "marker"), Is.EqualTo(LoadingError));
            Assert.That(caller.ReadReply(), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("CONFIG", "SET", "key-load-delay", "0"), Is.EqualTo("+OK\r\n"));
            Assert.That(raw.Execute("DBSIZE"), Is.EqualTo(Int(50_001)));
            Assert.That(raw.Execute("GET", "marker"), Is.EqualTo(Bulk("intact")));
        }
    }
}
