using System.Buffers.Binary;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;
using Valkey.Native.Util;
using static Valkey.Native.Tests.Infrastructure.Resp;
using static Valkey.Native.Tests.Integration.PersistenceTestHelpers;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// RESTORE of the pre-listpack encodings (RDB 9 ziplists and zipmaps), integrity failures reported
/// as Valkey does ("Bad data format", the reason logged at verbose level), DEBUG
/// SET-SKIP-CHECKSUM-VALIDATION, and the loader firing no keyspace events on DEBUG RELOAD.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RdbRestoreFormatsTests
{
    /// <summary>[type][blob as an RDB string][version 9][CRC64]: a DUMP payload as Redis 6.2 writes one.</summary>
    private static byte[] Payload(byte type, byte[] blob, bool goodCrc = true)
    {
        Assert.That(blob.Length, Is.LessThan(64), "6-bit RDB length only");
        var p = new List<byte> { type, (byte)blob.Length };
        p.AddRange(blob);
        p.Add(9);
        p.Add(0);
        ulong crc = Crc64.Compute(p.ToArray());
        var c = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(c, goodCrc ? crc : crc ^ 1);
        p.AddRange(c);
        return p.ToArray();
    }

    /// <summary>A ziplist of the given entries (strings below 64 bytes, or small integers 0-12 as immediates).</summary>
    private static byte[] Ziplist(params object[] entries)
    {
        var body = new List<byte>();
        int previous = 0, tail = 10;
        foreach (var e in entries)
        {
            var entry = new List<byte> { (byte)previous };
            if (e is int i) entry.Add((byte)(0xF1 + i));
            else
            {
                var s = System.Text.Encoding.ASCII.GetBytes((string)e);
                entry.Add((byte)s.Length);
                entry.AddRange(s);
            }
            tail = 10 + body.Count;
            body.AddRange(entry);
            previous = entry.Count;
        }
        var zl = new byte[10 + body.Count + 1];
        BinaryPrimitives.WriteUInt32LittleEndian(zl, (uint)zl.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(zl.AsSpan(4), (uint)tail);
        BinaryPrimitives.WriteUInt16LittleEndian(zl.AsSpan(8), (ushort)entries.Length);
        body.CopyTo(zl, 10);
        zl[^1] = 0xFF;
        return zl;
    }

    private static string Restore(RawRespClient raw, string key, byte[] payload)
    {
        raw.SendCommand([System.Text.Encoding.ASCII.GetBytes("RESTORE"), System.Text.Encoding.ASCII.GetBytes(key), "0"u8.ToArray(), payload]);
        return raw.ReadReply();
    }

    [Test]
    public void ZiplistAndZipmapPayloadsOfRdb9AreRestoredAndCorruptOnesRefused()
    {
        using var server = ServerProcess.Start("--save", "", "--loglevel", "verbose");
        using var raw = server.CreateRawClient();
        // Hash ziplist (type 13), list ziplist (10), sorted set ziplist (12) with an integer score.
        Assert.That(Restore(raw, "h", Payload(13, Ziplist("a", 1, "b", "hello"))), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("HGET", "h", "a"), Is.EqualTo(Bulk("1")));
        Assert.That(raw.Execute("HGET", "h", "b"), Is.EqualTo(Bulk("hello")));
        Assert.That(Restore(raw, "l", Payload(10, Ziplist("x", 7, "y"))), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("LRANGE", "l", "0", "-1"), Is.EqualTo("*3\r\n$1\r\nx\r\n$1\r\n7\r\n$1\r\ny\r\n"));
        Assert.That(Restore(raw, "z", Payload(12, Ziplist("m", 3, "n", "2.5"))), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("ZRANGE", "z", "0", "-1", "WITHSCORES"), Is.EqualTo("*4\r\n$1\r\nn\r\n$3\r\n2.5\r\n$1\r\nm\r\n$1\r\n3\r\n"));
        // Zipmap (type 9): count, then [len] field [len][free] value [free bytes], then the end mark.
        byte[] zipmap = [2, 1, (byte)'f', 2, 1, (byte)'v', (byte)'1', 0, 1, (byte)'g', 1, 0, (byte)'w', 0xFF];
        Assert.That(Restore(raw, "zm", Payload(9, zipmap)), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("HLEN", "zm"), Is.EqualTo(":2\r\n"));
        Assert.That(raw.Execute("HGET", "zm", "f"), Is.EqualTo(Bulk("v1")));
        Assert.That(raw.Execute("HGET", "zm", "g"), Is.EqualTo(Bulk("w")));

        // A wrong prevlen, a wrong tail offset, duplicate hash fields: "Bad data format", reason in the log.
        byte[] badPrevlen = Ziplist("a", 1, "b", "hello");
        badPrevlen[10 + 3] = 9;
        Assert.That(Restore(raw, "bad1", Payload(13, badPrevlen)), Is.EqualTo("-ERR Bad data format\r\n"));
        byte[] badTail = Ziplist("x", "y");
        badTail[4] = 11;
        Assert.That(Restore(raw, "bad2", Payload(10, badTail)), Is.EqualTo("-ERR Bad data format\r\n"));
        Assert.That(Restore(raw, "bad3", Payload(13, Ziplist("a", 1, "a", 2))), Is.EqualTo("-ERR Bad data format\r\n"));
        Assert.That(Restore(raw, "bad4", Payload(9, [0, 0xFF])), Is.EqualTo("-ERR Bad data format\r\n"));
        Assert.That(raw.Execute("EXISTS", "bad1", "bad2", "bad3", "bad4"), Is.EqualTo(":0\r\n"));
        AssertLogSoon(server, "Hash ziplist integrity check failed.");
        AssertLogSoon(server, "List ziplist integrity check failed.");
        AssertLogSoon(server, "Zipmap integrity check failed.");
        Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"));
    }

    [Test]
    public void SkipChecksumValidationAcceptsAPayloadWithAWrongCrc()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes");
        using var raw = server.CreateRawClient();
        byte[] payload = Payload(10, Ziplist("a", "b"), goodCrc: false);
        Assert.That(Restore(raw, "k", payload), Is.EqualTo("-ERR DUMP payload version or checksum are wrong\r\n"));
        Assert.That(raw.Execute("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1"), Is.EqualTo("+OK\r\n"));
        Assert.That(Restore(raw, "k", payload), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("LLEN", "k"), Is.EqualTo(":2\r\n"));
        Assert.That(raw.Execute("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0"), Is.EqualTo("+OK\r\n"));
        Assert.That(Restore(raw, "k2", payload), Is.EqualTo("-ERR DUMP payload version or checksum are wrong\r\n"));
    }

    [Test]
    public void DebugReloadFiresNoNewEventsButRestoreDoes()
    {
        using var server = ServerProcess.Start("--save", "", "--enable-debug-command", "yes", "--notify-keyspace-events", "En");
        using var raw = server.CreateRawClient();
        using var sub = server.CreateRawClient();
        Assert.That(sub.Execute("SUBSCRIBE", "__keyevent@0__:new"), Does.StartWith("*3\r\n$9\r\nsubscribe\r\n"));
        Assert.That(raw.Execute("SET", "first", "1"), Is.EqualTo("+OK\r\n"));
        Assert.That(sub.ReadReply(), Does.EndWith("$5\r\nfirst\r\n"));
        raw.Execute("RPUSH", "list", "a", "b");
        Assert.That(sub.ReadReply(), Does.EndWith("$4\r\nlist\r\n"));

        Assert.That(raw.Execute("DEBUG", "RELOAD"), Is.EqualTo("+OK\r\n"));
        Assert.That(raw.Execute("DBSIZE"), Is.EqualTo(":2\r\n"));
        // The next event is RESTORE's key: the reload's keys fired none.
        raw.SendCommand("DUMP", "list");
        byte[] reply = raw.ReadReplyBytes();
        int header = Array.IndexOf(reply, (byte)'\n') + 1;
        byte[] payload = reply[header..^2];
        Assert.That(Restore(raw, "restored", payload), Is.EqualTo("+OK\r\n"));
        Assert.That(sub.ReadReply(), Does.EndWith("$8\r\nrestored\r\n"));
    }
}
