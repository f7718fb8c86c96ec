using System.Net.Sockets;
using System.Text;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Regressions for hostile or unlucky clients found in review: each of these once hung,
/// crashed or silently corrupted the server. Each test asserts the server still answers.
/// </summary>
[NonParallelizable]
public class RobustnessTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    [Test]
    public void SlowReaderGetsEveryDeferredReplyIntact()
    {
        // KEYS uses a deferred array length; a second big reply queued behind an unsent one
        // once got its header written over the wrong segment and hung the server.
        Assert.That(Execute("DEBUG", "POPULATE", "200000", "slowkey"), Is.EqualTo("+OK\r\n"));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        socket.Connect("127.0.0.1", Server.Port);
        using var slow = new RawRespClient(new NetworkStream(socket, ownsSocket: false), TimeSpan.FromSeconds(60));
        slow.SendCommand("KEYS", "slowkey:*");
        Thread.Sleep(500);
        slow.SendCommand("KEYS", "slowkey:*");
        Thread.Sleep(200);
        Assert.That(Execute("PING"), Is.EqualTo("+PONG\r\n"), "other clients are served meanwhile");
        for (int reply = 0; reply < 2; reply++)
        {
            Assert.That(slow.ReadLine(), Is.EqualTo("*200000"), $"header of reply {reply}");
            for (int i = 0; i < 200000; i++)
            {
                string len = slow.ReadLine();
                string key = slow.ReadLine();
                if (!key.StartsWith("slowkey:") || len != "$" + key.Length) Assert.Fail($"reply {reply} element {i}: {len} {key}");
            }
        }
        Assert.That(slow.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        Execute("FLUSHALL");
    }

    [Test]
    public void HugeBulkLengthIsRejectedWithoutCrashing()
    {
        Assert.That(Execute("CONFIG", "SET", "proto-max-bulk-len", "9223372036854775807"), Is.EqualTo("+OK\r\n"));
        try
        {
            using var client = Raw();
            client.Send("*1\r\n$9223372036854775807\r\nabc\r\n");
            Assert.That(client.ReadReply(), Is.EqualTo("-ERR Protocol error: invalid bulk length\r\n"));
            Assert.That(Execute("PING"), Is.EqualTo("+PONG\r\n"));
        }
        finally
        {
            Execute("CONFIG", "SET", "proto-max-bulk-len", "512mb");
        }
    }

    [Test]
    public void SetRangeBeyondTheGreedyGrowthCapKeepsTheValueIntact()
    {
        // The growth cap (512 MB + 1 MB) must never leave a block smaller than the offset asks for.
        Assert.That(Execute("CONFIG", "SET", "proto-max-bulk-len", "2gb"), Is.EqualTo("+OK\r\n"));
        try
        {
            Execute("SET", "bigrange", new string('a', 60));
            Assert.That(Execute("SETRANGE", "bigrange", "600000000", "x"), Is.EqualTo(":600000001\r\n"));
            Assert.That(Execute("GETRANGE", "bigrange", "599999999", "-1"), Is.EqualTo("$2\r\n\0x\r\n"));
            Assert.That(Execute("GETRANGE", "bigrange", "0", "1"), Is.EqualTo("$2\r\naa\r\n"));
            Execute("DEL", "bigrange");
            Assert.That(Execute("PING"), Is.EqualTo("+PONG\r\n"));
        }
        finally
        {
            Execute("CONFIG", "SET", "proto-max-bulk-len", "512mb");
        }
    }

    [Test]
    public void UnknownCommandErrorQuotesAtMost128BytesOfEachArgument()
    {
        string name = new string('n', 1000);
        string arg = new string('a', 1000);
        string reply = Execute(name, arg);
        Assert.That(reply, Is.EqualTo($"-ERR unknown command '{new string('n', 128)}', with args beginning with: '{new string('a', 128)}' \r\n"));
    }

    [Test]
    public void KeysWithTtlAreCountedInUsedMemory()
    {
        Execute("FLUSHALL");
        Assert.That(Execute("DEBUG", "POPULATE", "50000", "ttl"), Is.EqualTo("+OK\r\n"));
        long before = InfoParser.Field(Resp.BulkText(Execute("INFO", "memory")), "used_memory");
        var db = Redis.GetDatabase();
        var tasks = Enumerable.Range(0, 50000).Select(i => db.KeyExpireAsync($"ttl:{i}", TimeSpan.FromHours(1))).ToArray();
        Task.WaitAll(tasks);
        long after = InfoParser.Field(Resp.BulkText(Execute("INFO", "memory")), "used_memory");
        Assert.That(after - before, Is.GreaterThanOrEqualTo(50000L * 8), "the list of keys with a TTL lives in accounted memory");
        Execute("FLUSHALL");
    }

    [Test]
    public void IdleTimeoutDoesNotCutOffAClientStillReceivingAReply()
    {
        Assert.That(Execute("DEBUG", "POPULATE", "100000", "tmo", "20"), Is.EqualTo("+OK\r\n"));
        Assert.That(Execute("CONFIG", "SET", "timeout", "1"), Is.EqualTo("+OK\r\n"));
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
            socket.Connect("127.0.0.1", Server.Port);
            using var slow = new RawRespClient(new NetworkStream(socket, ownsSocket: false), TimeSpan.FromSeconds(30));
            slow.SendCommand("KEYS", "tmo:*");
            Assert.That(slow.ReadLine(), Is.EqualTo("*100000"));
            var started = DateTime.UtcNow;
            for (int i = 0; i < 100000; i++)
            {
                slow.ReadLine();
                slow.ReadLine();
                // Read slowly enough that the whole reply takes well over the 1 s timeout.
                if (i % 4000 == 0) Thread.Sleep(100);
            }
            Assert.That(DateTime.UtcNow - started, Is.GreaterThan(TimeSpan.FromSeconds(1.5)), "the reply outlived the idle timeout");
        }
        finally
        {
            Execute("CONFIG", "SET", "timeout", "0");
            Execute("FLUSHALL");
        }
    }

    [Test]
    public void ASecondServerCannotTakeTheSamePort()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ServerProcess.Start("--port", Server.Port.ToString()).Dispose());
        Assert.That(e!.Message, Does.Contain("exited with code 1"));
        Assert.That(Execute("PING"), Is.EqualTo("+PONG\r\n"));
    }
}
