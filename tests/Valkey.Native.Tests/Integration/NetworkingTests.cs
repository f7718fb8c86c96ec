using System.Net;
using System.Net.Sockets;
using System.Text;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// The event loop and connection handling, run against both backends: epoll (Linux default)
/// and the portable poll backend (selected with --event-loop-backend poll).
/// </summary>
[TestFixture("epoll")]
[TestFixture("poll")]
[NonParallelizable]
public class NetworkingTests : OwnServerFixture
{
    private readonly string _backend;

    public NetworkingTests(string backend) => _backend = backend;

    protected override string[] ServerArguments => ["--event-loop-backend", _backend];

    [Test]
    public void ServerLogsTheSelectedBackend()
    {
        Assert.That(Server.Log, Does.Contain($"Event loop backend: {_backend}"));
    }

    [Test]
    public void HundredThousandCommandPipelineIsAnsweredInOrder()
    {
        const int Count = 100_000;
        using var client = Server.CreateRawClient(TimeSpan.FromSeconds(60));
        var request = new MemoryStream();
        for (int i = 0; i < Count; i++)
        {
            // Alternate writes and reads of the same hash so each reply depends on the order.
            var cmd = i % 2 == 0
                ? RawRespClient.EncodeCommand("HSET", $"pipe:{_backend}", "f", i.ToString())
                : RawRespClient.EncodeCommand("HGET", $"pipe:{_backend}", "f");
            request.Write(cmd);
        }
        var sender = Task.Run(() => client.Send(request.ToArray()));
        for (int i = 0; i < Count; i++)
        {
            string reply = client.ReadReply();
            string expected = i % 2 == 0
                ? (i == 0 ? ":1\r\n" : ":0\r\n")
                : $"${(i - 1).ToString().Length}\r\n{i - 1}\r\n";
            if (reply != expected) Assert.Fail($"reply {i}: expected {RawRespClient.Escape(expected)}, got {RawRespClient.Escape(reply)}");
        }
        sender.Wait(TimeSpan.FromSeconds(30));
        Assert.That(sender.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public void ThousandConcurrentConnectionsAreAllServed()
    {
        const int Count = 1000;
        var clients = new List<RawRespClient>();
        try
        {
            for (int i = 0; i < Count; i++) clients.Add(Server.CreateRawClient());
            for (int i = 0; i < Count; i++) clients[i].SendCommand("HSET", $"conn:{_backend}", $"c{i}", i.ToString());
            for (int i = 0; i < Count; i++) Assert.That(clients[i].ReadReply(), Is.EqualTo(":1\r\n"), $"client {i}");
            using var check = Server.CreateRawClient();
            Assert.That(check.Execute("HLEN", $"conn:{_backend}"), Is.EqualTo($":{Count}\r\n"));
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    /// <summary>
    /// Fifty clients each sending one command at a time, as fast as they can: the load under which
    /// the loop naps instead of blocking (Networking/IdleNap.cs). Every reply must still be the right
    /// one, in order, with napping on (the default) and off, and switched at run time mid-stream.
    /// </summary>
    [Test]
    public void FiftyClientsAtPipelineOneGetEveryReplyWhetherTheLoopNapsOrBlocks()
    {
        const int Clients = 50, Commands = 1500;
        var clients = new List<RawRespClient>();
        try
        {
            for (int i = 0; i < Clients; i++) clients.Add(Server.CreateRawClient(TimeSpan.FromSeconds(60)));
            using var admin = Server.CreateRawClient();
            var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var workers = clients.Select((client, id) => new Thread(() =>
            {
                string key = $"nap:{_backend}:{id}";
                for (int n = 1; n <= Commands; n++)
                {
                    string reply = client.Execute("INCR", key);
                    if (reply != $":{n}\r\n") { failures.Enqueue($"client {id} command {n}: {RawRespClient.Escape(reply)}"); return; }
                }
            })).ToList();
            foreach (var w in workers) w.Start();
            // Switch napping off and on while the stream runs.
            for (int i = 0; i < 6; i++)
            {
                Thread.Sleep(30);
                Assert.That(admin.Execute("CONFIG", "SET", "event-loop-nap-us", i % 2 == 0 ? "0" : "30"), Is.EqualTo("+OK\r\n"));
            }
            foreach (var w in workers) Assert.That(w.Join(TimeSpan.FromSeconds(120)), Is.True);
            Assert.That(failures, Is.Empty);
            for (int id = 0; id < Clients; id++)
                Assert.That(admin.Execute("GET", $"nap:{_backend}:{id}"), Is.EqualTo($"${Commands.ToString().Length}\r\n{Commands}\r\n"));
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Test]
    public void RequestSplitAtEveryByteIsParsedTheSame()
    {
        using var client = Server.CreateRawClient();
        byte[] command = RawRespClient.EncodeCommand("HSET", $"split:{_backend}", "field", "value with spaces");
        foreach (byte b in command)
        {
            client.Send(new[] { b });
            Thread.Sleep(1);
        }
        Assert.That(client.ReadReply(), Is.EqualTo(":1\r\n"));
        Assert.That(client.Execute("HGET", $"split:{_backend}", "field"), Is.EqualTo("$17\r\nvalue with spaces\r\n"));
    }

    [Test]
    public void InlineCommandsWorkWithQuotes()
    {
        using var client = Server.CreateRawClient();
        client.Send($"HSET inline:{_backend} \"a b\" 'c d'\r\n");
        Assert.That(client.ReadReply(), Is.EqualTo(":1\r\n"));
        client.Send($"HGET inline:{_backend} \"a b\"\r\n");
        Assert.That(client.ReadReply(), Is.EqualTo("$3\r\nc d\r\n"));
    }

    [Test]
    public void ProtocolErrorClosesOnlyThatConnection()
    {
        using var good = Server.CreateRawClient();
        using var bad = Server.CreateRawClient();
        Assert.That(good.Execute("HSET", $"proto:{_backend}", "f", "1"), Is.EqualTo(":1\r\n"));
        bad.Send("*1\r\nx\r\n");
        Assert.That(bad.ReadReply(), Is.EqualTo("-ERR Protocol error: expected '$', got 'x'\r\n"));
        Assert.That(bad.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(good.Execute("HGET", $"proto:{_backend}", "f"), Is.EqualTo("$1\r\n1\r\n"));
    }

    [TestCase("*2\r\n$3\r\nfoo\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n")]
    [TestCase("*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n")]
    [TestCase("*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n")]
    [TestCase("HGET \"unterminated\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n")]
    public void MalformedRequestsGetValkeysErrorAndTheConnectionCloses(string request, string expected)
    {
        using var client = Server.CreateRawClient();
        client.Send(request);
        Assert.That(client.ReadReply(), Is.EqualTo(expected));
        Assert.That(client.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
    }

    [Test]
    public void RandomGarbageOnSomeConnectionsLeavesAWellBehavedClientIntact()
    {
        var rng = new Random(12345);
        using var good = Server.CreateRawClient();
        var garbageTasks = Enumerable.Range(0, 8).Select(n => Task.Run(() =>
        {
            var local = new Random(n);
            for (int round = 0; round < 20; round++)
            {
                try
                {
                    using var bad = Server.CreateRawClient(TimeSpan.FromSeconds(2));
                    var junk = new byte[local.Next(1, 4096)];
                    local.NextBytes(junk);
                    bad.Send(junk);
                    bad.WaitForData(TimeSpan.FromMilliseconds(20));
                }
                catch (Exception e) when (e is IOException or SocketException or TimeoutException or RespProtocolException)
                {
                    // The server may close a garbage connection at any moment: that is the point.
                }
            }
        })).ToArray();

        var expected = new Dictionary<string, string>();
        for (int i = 0; i < 500; i++)
        {
            string field = $"f{i}";
            var value = new byte[rng.Next(0, 300)];
            rng.NextBytes(value);
            string text = Convert.ToBase64String(value);
            expected[field] = text;
            Assert.That(good.Execute("HSET", $"garbage:{_backend}", field, text), Is.EqualTo(":1\r\n"));
        }
        Task.WaitAll(garbageTasks, TimeSpan.FromSeconds(60));
        foreach (var (field, text) in expected)
        {
            string reply = good.Execute("HGET", $"garbage:{_backend}", field);
            Assert.That(reply, Is.EqualTo($"${Encoding.UTF8.GetByteCount(text)}\r\n{text}\r\n"));
        }
    }

    [Test]
    public void HundredMegabyteBulkStringRoundTrips()
    {
        const int Size = 100 * 1024 * 1024;
        var value = new byte[Size];
        new Random(7).NextBytes(value);
        using var client = Server.CreateRawClient(TimeSpan.FromSeconds(120));
        client.SendCommand(Encoding.ASCII.GetBytes("HSET"), Encoding.ASCII.GetBytes($"big:{_backend}"), "f"u8.ToArray(), value);
        Assert.That(client.ReadReply(), Is.EqualTo(":1\r\n"));
        client.SendCommand("HGET", $"big:{_backend}", "f");
        Assert.That(client.ReadLine(), Is.EqualTo($"${Size}"));
        byte[] back = client.ReadExactly(Size);
        Assert.That(back.AsSpan().SequenceEqual(value), Is.True, "the 100 MB value changed on the way");
        Assert.That(client.ReadExactly(2), Is.EqualTo("\r\n"u8.ToArray()));
        Assert.That(client.Execute("HDEL", $"big:{_backend}", "f"), Is.EqualTo(":1\r\n"));
    }

    [Test]
    public void AClientThatDoesNotReadIsThrottledAndOthersAreServed()
    {
        var value = new string('v', 64 * 1024);
        using var setup = Server.CreateRawClient();
        Assert.That(setup.Execute("HSET", $"bp:{_backend}", "f", value), Is.EqualTo(":1\r\n"));

        // 2,000 x 64 KB = 128 MB of replies requested without reading any of them.
        const int Requests = 2000;
        using var slow = Server.CreateRawClient(TimeSpan.FromSeconds(120));
        var oneRequest = RawRespClient.EncodeCommand("HGET", $"bp:{_backend}", "f");
        var all = new byte[oneRequest.Length * Requests];
        for (int i = 0; i < Requests; i++) oneRequest.CopyTo(all, i * oneRequest.Length);
        var sender = Task.Run(() => slow.Send(all));
        Thread.Sleep(500);

        using var other = Server.CreateRawClient(TimeSpan.FromSeconds(5));
        Assert.That(other.Execute("HLEN", $"bp:{_backend}"), Is.EqualTo(":1\r\n"), "another client must not wait for the slow one");

        string expected = $"${value.Length}\r\n{value}\r\n";
        for (int i = 0; i < Requests; i++)
        {
            string reply = slow.ReadReply();
            if (reply != expected) Assert.Fail($"reply {i} differs (length {reply.Length})");
        }
        Assert.That(sender.Wait(TimeSpan.FromSeconds(60)), Is.True);
    }
}

/// <summary>Listeners and connection limits (each test starts its own server).</summary>
[NonParallelizable]
public class ListenerTests
{
    [Test]
    public void UnixSocketAcceptsCommands()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vn-{Guid.NewGuid():N}.sock");
        using var server = ServerProcess.Start("--unixsocket", path);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        using var client = new RawRespClient(new NetworkStream(socket, ownsSocket: false));
        Assert.That(client.Execute("HSET", "unix", "f", "v"), Is.EqualTo(":1\r\n"));
        Assert.That(client.Execute("HGET", "unix", "f"), Is.EqualTo("$1\r\nv\r\n"));
        server.Stop();
        Assert.That(File.Exists(path), Is.False, "the socket file is removed on shutdown");
    }

    [Test]
    public void Ipv6LoopbackIsServedWhenBound()
    {
        if (!Socket.OSSupportsIPv6) Assert.Ignore("no IPv6 on this machine");
        using var server = ServerProcess.Start("--bind", "127.0.0.1", "::1");
        using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(new IPEndPoint(IPAddress.IPv6Loopback, server.Port));
        }
        catch (SocketException)
        {
            Assert.Ignore("IPv6 loopback is not configured on this machine");
        }
        using var client = new RawRespClient(new NetworkStream(socket, ownsSocket: false));
        Assert.That(client.Execute("HSET", "v6", "f", "v"), Is.EqualTo(":1\r\n"));
    }

    [Test]
    public void MaxClientsRejectsTheNextConnectionWithValkeysError()
    {
        using var server = ServerProcess.Start("--maxclients", "2");
        using var a = server.CreateRawClient();
        using var b = server.CreateRawClient();
        Assert.That(a.Execute("HLEN", "x"), Is.EqualTo(":0\r\n"));
        Assert.That(b.Execute("HLEN", "x"), Is.EqualTo(":0\r\n"));
        using var c = server.CreateRawClient();
        Assert.That(c.ReadReply(), Is.EqualTo("-ERR max number of clients reached\r\n"));
        Assert.That(c.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(a.Execute("HLEN", "x"), Is.EqualTo(":0\r\n"), "existing clients keep working");
    }

    [Test]
    public void ProtoMaxBulkLenRejectsLongerBulks()
    {
        // 1 MB is the smallest value Valkey accepts for proto-max-bulk-len.
        using var server = ServerProcess.Start("--proto-max-bulk-len", "1mb");
        using var client = server.CreateRawClient();
        client.Send("*3\r\n$4\r\nHSET\r\n$1\r\nk\r\n$1048577\r\n");
        Assert.That(client.ReadReply(), Is.EqualTo("-ERR Protocol error: invalid bulk length\r\n"));
        Assert.That(client.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
    }

    [Test]
    public void ClientQueryBufferLimitClosesTheOffendingClientOnly()
    {
        using var server = ServerProcess.Start("--client-query-buffer-limit", "1mb");
        using var good = server.CreateRawClient();
        using var greedy = server.CreateRawClient(TimeSpan.FromSeconds(10));
        // A 3 MB bulk that never completes: the server must drop the client past 1 MB.
        greedy.Send("*3\r\n$4\r\nHSET\r\n$1\r\nk\r\n$3000000\r\n");
        try
        {
            var chunk = new byte[64 * 1024];
            for (int i = 0; i < 40; i++) greedy.Send(chunk);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // Closed while sending: expected.
        }
        Assert.That(greedy.IsClosed(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(good.Execute("HLEN", "k"), Is.EqualTo(":0\r\n"));
        // The log line arrives through the server's stdout pipe, possibly a moment after the close.
        Assert.That(() => server.Log, Does.Contain("max query buffer length").After(5000, 50));
    }

    [Test]
    public void SigtermShutsDownGracefully()
    {
        using var server = ServerProcess.Start();
        Assert.That(server.Stop(), Is.True, "the server exits after SIGTERM");
        Assert.That(server.ExitCode, Is.EqualTo(0));
        Assert.That(server.Log, Does.Contain("Received SIGTERM scheduling shutdown"));
        Assert.That(server.Log, Does.Contain("ready to exit, bye bye"));
    }
}
