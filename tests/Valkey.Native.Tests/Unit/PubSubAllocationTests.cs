using System.Text;
using NUnit.Framework;
using Valkey.Native.Networking;
using Valkey.Native.Server;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Tests.Shared;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// In-process checks of the pub/sub hot paths: PUBLISH to channel and pattern subscribers and
/// keyspace notifications allocate nothing on the GC heap in steady state, with subscribers in
/// RESP2 and RESP3, and the registry is left empty when subscribers go away.
/// </summary>
[TestFixture]
public class PubSubAllocationTests
{
    private static string Take(Client c)
    {
        string reply = Encoding.UTF8.GetString(c.Reply.PeekPending());
        c.Reply.ReleaseBuffers();
        return reply;
    }

    private static void Send(Client c, params string[] command) => c.InjectInput(RawRespClient.EncodeCommand(command));

    [Test]
    public void PublishAllocatesNothingInSteadyState()
    {
        using var s = new InProcessServer();
        var sub2 = new Client(s.Server, 2, -1, ConnectionKind.Tcp);
        var sub3 = new Client(s.Server, 3, -1, ConnectionKind.Tcp);
        Send(sub2, "SUBSCRIBE", "news");
        Send(sub2, "PSUBSCRIBE", "n*");
        Send(sub3, "HELLO", "3");
        Send(sub3, "SUBSCRIBE", "news");
        Take(sub2);
        Take(sub3);
        Assert.That(s.Execute("PUBLISH", "news", "hello"), Is.EqualTo(":3\r\n"));
        Assert.That(Take(sub2), Is.EqualTo("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n"));
        Assert.That(Take(sub3), Is.EqualTo(">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n"));

        var publish = RawRespClient.EncodeCommand("PUBLISH", "news", "hello");
        var nobody = RawRespClient.EncodeCommand("PUBLISH", "other", "x");
        for (int i = 0; i < 1000; i++) { s.Run(publish); s.Run(nobody); sub2.Reply.ReleaseBuffers(); sub3.Reply.ReleaseBuffers(); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) { s.Run(publish); s.Run(nobody); sub2.Reply.ReleaseBuffers(); sub3.Reply.ReleaseBuffers(); }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    [Test]
    public void KeyspaceNotificationsAllocateNothingInSteadyState()
    {
        using var s = new InProcessServer();
        Assert.That(s.Execute("CONFIG", "SET", "notify-keyspace-events", "KEA"), Is.EqualTo("+OK\r\n"));
        var sub = new Client(s.Server, 2, -1, ConnectionKind.Tcp);
        Send(sub, "PSUBSCRIBE", "__key*");
        Take(sub);
        s.Execute("SET", "k", "v");
        Assert.That(Take(sub), Is.EqualTo(
            "*4\r\n$8\r\npmessage\r\n$6\r\n__key*\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n" +
            "*4\r\n$8\r\npmessage\r\n$6\r\n__key*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n"));
        var set = RawRespClient.EncodeCommand("SET", "k", "v");
        var incr = RawRespClient.EncodeCommand("INCR", "n");
        for (int i = 0; i < 1000; i++) { s.Run(set); s.Run(incr); sub.Reply.ReleaseBuffers(); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) { s.Run(set); s.Run(incr); sub.Reply.ReleaseBuffers(); }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    [Test]
    public void NotificationsOffInstallNoHook()
    {
        using var s = new InProcessServer();
        Assert.That(s.Server.NotifyHook, Is.Null);
        s.Execute("CONFIG", "SET", "notify-keyspace-events", "Kx");
        Assert.That(s.Server.NotifyHook, Is.Not.Null);
        s.Execute("CONFIG", "SET", "notify-keyspace-events", "");
        Assert.That(s.Server.NotifyHook, Is.Null);
    }

    [Test]
    public void UnsubscribingEmptiesTheRegistry()
    {
        using var s = new InProcessServer();
        var sub = new Client(s.Server, 2, -1, ConnectionKind.Tcp);
        Send(sub, "SUBSCRIBE", "a", "b");
        Send(sub, "PSUBSCRIBE", "p*");
        Send(sub, "SSUBSCRIBE", "s");
        var ps = s.Server.PubSub;
        Assert.That((ps.ChannelCount, ps.PatternCount, ps.ShardChannelCount, ps.ClientCount), Is.EqualTo((2, 1, 1, 1)));
        Send(sub, "UNSUBSCRIBE");
        Send(sub, "PUNSUBSCRIBE");
        Assert.That((ps.ChannelCount, ps.PatternCount, ps.ShardChannelCount, ps.ClientCount), Is.EqualTo((0, 0, 1, 1)));
        Send(sub, "SUNSUBSCRIBE", "s");
        Assert.That((ps.ChannelCount, ps.PatternCount, ps.ShardChannelCount, ps.ClientCount), Is.EqualTo((0, 0, 0, 0)));
        Assert.That(sub.Subscriptions!.Total, Is.EqualTo(0));
    }
}
