using System.Diagnostics;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using static Valkey.Native.Tests.Infrastructure.Resp;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// CLIENT PAUSE / UNPAUSE: postponed (not rejected) commands, WRITE vs ALL, deadlines, MULTI/EXEC
/// and expiry suspension. A pause stops the whole server: own server, every test unpauses.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ClientPauseTests : OwnServerFixture
{
    protected override string[] ServerArguments => ["--enable-debug-command", "yes"];

    [TearDown]
    public void Unpause()
    {
        using var raw = Raw();
        raw.Execute("CLIENT", "UNPAUSE");
    }

    private static long BlockedClients(RawRespClient raw) => InfoParser.Field(BulkText(raw.Execute("INFO", "clients")), "blocked_clients");

    private static void WaitForBlocked(RawRespClient raw, long count)
    {
        var sw = Stopwatch.StartNew();
        while (BlockedClients(raw) != count)
        {
            if (sw.ElapsedMilliseconds > 5000) Assert.Fail($"blocked_clients never reached {count}");
            Thread.Sleep(10);
        }
    }

    [Test]
    public void WritePauseRunsReadsAndPostponesWrites()
    {
        using var admin = Raw();
        using var client = Raw();
        long id = Integer(client.Execute("CLIENT", "ID"));
        Assert.That(admin.Execute("CLIENT", "PAUSE", "100000", "WRITE"), Is.EqualTo("+OK\r\n"));
        Assert.That(client.Execute("GET", "pause:foo"), Is.EqualTo("$-1\r\n"));
        Assert.That(client.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        client.SendCommand("SET", "pause:foo", "bar");
        client.SendCommand("GET", "pause:foo");
        WaitForBlocked(admin, 1);
        Assert.That(client.WaitForData(TimeSpan.FromMilliseconds(100)), Is.False, "the write waits");
        Assert.That(BulkText(admin.Execute("CLIENT", "LIST", "ID", id.ToString())), Does.Contain(" flags=b "));
        Assert.That(admin.Execute("CLIENT", "UNPAUSE"), Is.EqualTo("+OK\r\n"));
        Assert.That(client.ReadReply(), Is.EqualTo("+OK\r\n"));
        Assert.That(client.ReadReply(), Is.EqualTo(Bulk("bar")), "pipelined commands follow in order");
        Assert.That(BlockedClients(admin), Is.EqualTo(0));
    }

    [Test]
    public void AllPauseDelaysEverythingUntilTheDeadline()
    {
        using var admin = Raw();
        using var client = Raw();
        var sw = Stopwatch.StartNew();
        admin.Execute("CLIENT", "PAUSE", "300", "ALL");
        admin.Execute("CLIENT", "PAUSE", "20", "WRITE");   // shorter and weaker: the ALL pause stays
        Assert.That(client.Execute("PING"), Is.EqualTo("+PONG\r\n"));
        Assert.That(sw.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(250));
    }

    [Test]
    public void ArgumentErrorsAndRejectedCommandsAnswerAtOnce()
    {
        using var admin = Raw();
        Assert.That(admin.Execute("CLIENT", "PAUSE", "100", "READ"), Is.EqualTo(Err("ERR CLIENT PAUSE mode must be WRITE or ALL")));
        Assert.That(admin.Execute("CLIENT", "PAUSE", "abc"), Is.EqualTo(Err("ERR timeout is not an integer or out of range")));
        Assert.That(admin.Execute("CLIENT", "PAUSE", "-1"), Is.EqualTo(Err("ERR timeout is negative")));
        Assert.That(admin.Execute("CLIENT", "UNPAUSE", "x"), Is.EqualTo(Err("ERR wrong number of arguments for 'client|unpause' command")));
        admin.Execute("CLIENT", "PAUSE", "100000", "WRITE");
        using var client = Raw();
        Assert.That(client.Execute("SET", "pause:x"), Is.EqualTo(Err("ERR wrong number of arguments for 'set' command")));
    }

    [Test]
    public void TransactionsArePostponedOnlyIfTheyWrite()
    {
        using var admin = Raw();
        using var reader = Raw();
        using var writer = Raw();
        writer.Execute("MULTI");
        Assert.That(writer.Execute("SET", "pause:t", "1"), Is.EqualTo("+QUEUED\r\n"));
        admin.Execute("CLIENT", "PAUSE", "100000", "WRITE");
        reader.Execute("MULTI");
        reader.Execute("GET", "pause:t");
        Assert.That(reader.Execute("EXEC"), Is.EqualTo("*1\r\n$-1\r\n"));
        writer.SendCommand("EXEC");
        WaitForBlocked(admin, 1);
        admin.Execute("CLIENT", "UNPAUSE");
        Assert.That(writer.ReadReply(), Is.EqualTo("*1\r\n+OK\r\n"));
    }

    [Test]
    public void ExpiryIsSuspendedDuringThePause()
    {
        using var admin = Raw();
        long expired = InfoParser.Field(BulkText(admin.Execute("INFO", "stats")), "expired_keys");
        admin.Execute("MULTI");
        admin.Execute("SET", "pause:e1", "v", "PX", "10");
        admin.Execute("SET", "pause:e2", "v", "PX", "10");
        admin.Execute("CLIENT", "PAUSE", "50000", "WRITE");
        admin.Execute("EXEC");
        Thread.Sleep(300);
        Assert.That(admin.Execute("GET", "pause:e1"), Is.EqualTo("$-1\r\n"), "logically expired");
        Assert.That(InfoParser.Field(BulkText(admin.Execute("INFO", "stats")), "expired_keys"), Is.EqualTo(expired), "but not deleted");
        admin.Execute("CLIENT", "UNPAUSE");
        admin.Execute("GET", "pause:e1");
        admin.Execute("GET", "pause:e2");
        Assert.That(InfoParser.Field(BulkText(admin.Execute("INFO", "stats")), "expired_keys"), Is.EqualTo(expired + 2));
    }

    [Test]
    public void PostponedClientCanDisconnect()
    {
        using var admin = Raw();
        admin.Execute("CLIENT", "PAUSE", "100000", "WRITE");
        using (var client = Raw())
        {
            client.SendCommand("SET", "pause:gone", "1");
            WaitForBlocked(admin, 1);
        }
        WaitForBlocked(admin, 0);
        admin.Execute("CLIENT", "UNPAUSE");
        Assert.That(admin.Execute("GET", "pause:gone"), Is.EqualTo("$-1\r\n"));
        Assert.That(admin.Execute("PING"), Is.EqualTo("+PONG\r\n"));
    }
}
