using System.Text;
using NUnit.Framework;
using Valkey.Native.Networking;
using Valkey.Native.Protocol;

namespace Valkey.Native.Tests.Unit;

public class ReplyWriterTests
{
    private IoBufferPool _pool = null!;
    private ReplyWriter _writer = null!;

    [SetUp]
    public void SetUp()
    {
        _pool = new IoBufferPool();
        _writer = new ReplyWriter(_pool);
    }

    [TearDown]
    public void TearDown()
    {
        _writer.Dispose();
        Assert.That(_pool.BytesInUse, Is.EqualTo(0), "every buffer went back to the pool");
        _pool.Dispose();
    }

    private string Output() => Encoding.UTF8.GetString(_writer.PeekPending());

    [TestCase(2, "$-1\r\n*-1\r\n*4\r\n~2\r\n:1\r\n$3\r\n1.5\r\n$5\r\nhello\r\n*1\r\n")]
    [TestCase(3, "_\r\n_\r\n%2\r\n~2\r\n#t\r\n,1.5\r\n=9\r\ntxt:hello\r\n>1\r\n")]
    public void TypesAreEncodedPerProtocol(int protocol, string expected)
    {
        _writer.Protocol = protocol;
        _writer.AddNull();
        _writer.AddNullArray();
        _writer.AddMapLength(2);
        if (protocol == 2) { /* RESP2 sets are arrays */ }
        _writer.AddSetLength(2);
        _writer.AddBool(true);
        _writer.AddDouble(1.5);
        _writer.AddVerbatim("hello"u8);
        _writer.AddPushLength(1);
        string text = Output();
        if (protocol == 2) expected = expected.Replace("~2\r\n", "*2\r\n");
        Assert.That(text, Is.EqualTo(expected));
    }

    [Test]
    public void ScalarsAreExact()
    {
        _writer.AddOk();
        _writer.AddInteger(-42);
        _writer.AddInteger(long.MinValue);
        _writer.AddBulk("abc"u8);
        _writer.AddBulk(ReadOnlySpan<byte>.Empty);
        _writer.AddBulk(12345L);
        _writer.AddSimpleString("PONG");
        Assert.That(Output(), Is.EqualTo("+OK\r\n:-42\r\n:-9223372036854775808\r\n$3\r\nabc\r\n$0\r\n\r\n$5\r\n12345\r\n+PONG\r\n"));
    }

    private sealed class Sink : IErrorReplySink
    {
        public readonly List<string> Codes = new();
        public void OnErrorReply(ReadOnlySpan<byte> code) => Codes.Add(Encoding.ASCII.GetString(code));
    }

    [Test]
    public void ErrorsReplaceNewlinesAndReportTheirCode()
    {
        var sink = new Sink();
        _writer.ErrorSink = sink;
        _writer.AddError("ERR bad\r\nthing");
        _writer.AddError("WRONGTYPE Operation against a key holding the wrong kind of value"u8);
        Assert.That(Output(), Is.EqualTo("-ERR bad  thing\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"));
        Assert.That(sink.Codes, Is.EqualTo(new[] { "ERR", "WRONGTYPE" }));
        Assert.That(_writer.ErrorCount, Is.EqualTo(2));
    }

    [TestCase(0)]
    [TestCase(3)]
    [TestCase(5000)]
    public void DeferredLengthPrecedesItsElements(int count)
    {
        _writer.AddSimpleString("before");
        int handle = _writer.BeginDeferredLength();
        var expected = new StringBuilder("+before\r\n*" + count + "\r\n");
        for (int i = 0; i < count; i++)
        {
            // Elements of varying size so the chain crosses several 16 KB chunks.
            string element = new string((char)('a' + i % 26), i % 40);
            _writer.AddBulk(Encoding.ASCII.GetBytes(element));
            expected.Append('$').Append(element.Length).Append("\r\n").Append(element).Append("\r\n");
        }
        _writer.SetDeferredArrayLength(handle, count);
        _writer.AddSimpleString("after");
        expected.Append("+after\r\n");
        Assert.That(Output(), Is.EqualTo(expected.ToString()));
        Assert.That(_writer.PendingBytes, Is.EqualTo(expected.Length));
    }

    [Test]
    public void NestedDeferredMapsUseResp2ArrayLengths()
    {
        _writer.Protocol = 2;
        int outer = _writer.BeginDeferredLength();
        _writer.AddBulk("k"u8);
        int inner = _writer.BeginDeferredLength();
        _writer.AddInteger(1);
        _writer.AddInteger(2);
        _writer.SetDeferredArrayLength(inner, 2);
        _writer.SetDeferredMapLength(outer, 1);
        Assert.That(Output(), Is.EqualTo("*2\r\n$1\r\nk\r\n*2\r\n:1\r\n:2\r\n"));
    }

    [Test]
    public void LargePayloadIsCopiedIntactAcrossBuffers()
    {
        var payload = new byte[IoBufferPool.ChunkSize * 10 + 123];
        new Random(3).NextBytes(payload);
        _writer.AddBulk("small"u8);
        _writer.AddBulk(payload);
        byte[] output = _writer.PeekPending();
        string header = $"$5\r\nsmall\r\n${payload.Length}\r\n";
        Assert.That(Encoding.ASCII.GetString(output, 0, header.Length), Is.EqualTo(header));
        Assert.That(output.AsSpan(header.Length, payload.Length).SequenceEqual(payload), Is.True);
        Assert.That(output.Length, Is.EqualTo(header.Length + payload.Length + 2));
    }

    [Test]
    public void DisabledWriterDropsReplies()
    {
        _writer.Enabled = false;
        _writer.AddOk();
        _writer.AddBulk("x"u8);
        Assert.That(_writer.PendingBytes, Is.EqualTo(0));
    }

    [Test]
    public unsafe void SingleSegmentFlushResumesAfterAPartialWrite()
    {
        // One 100 KB block (a single segment: the write(2) path) into a non-blocking pipe that holds 64 KB.
        int* fds = stackalloc int[2];
        Assert.That(LibC.Pipe(fds), Is.EqualTo(0));
        try
        {
            LibC.SetNonBlocking(fds[0]);
            LibC.SetNonBlocking(fds[1]);
            var payload = new byte[100_000];
            new Random(7).NextBytes(payload);
            _writer.AddRaw(payload);
            var received = new MemoryStream();
            var buf = new byte[16384];
            long total = 0;
            var first = _writer.FlushTo(fds[1], out long written);
            total += written;
            Assert.That(first, Is.EqualTo(ReplyWriter.FlushResult.WouldBlock));
            Assert.That(written, Is.GreaterThan(0).And.LessThan(payload.Length));
            Assert.That(_writer.PendingBytes, Is.EqualTo(payload.Length - written));
            for (int round = 0; round < 100 && received.Length < payload.Length; round++)
            {
                fixed (byte* p = buf)
                {
                    nint n;
                    while ((n = LibC.Read(fds[0], p, buf.Length)) > 0) received.Write(buf, 0, (int)n);
                }
                if (_writer.PendingBytes > 0)
                {
                    _writer.FlushTo(fds[1], out written);
                    total += written;
                }
            }
            Assert.That(total, Is.EqualTo(payload.Length));
            Assert.That(received.ToArray(), Is.EqualTo(payload));
            Assert.That(_writer.PendingBytes, Is.EqualTo(0));
            Assert.That(_pool.BytesInUse, Is.EqualTo(0));
        }
        finally
        {
            LibC.Close(fds[0]);
            LibC.Close(fds[1]);
        }
    }

    [Test]
    public unsafe void SmallReplyIsWrittenWhole()
    {
        int* fds = stackalloc int[2];
        Assert.That(LibC.Pipe(fds), Is.EqualTo(0));
        try
        {
            _writer.AddOk();
            _writer.AddInteger(42);
            Assert.That(_writer.FlushTo(fds[1], out long written), Is.EqualTo(ReplyWriter.FlushResult.Done));
            Assert.That(written, Is.EqualTo(10));
            byte* b = stackalloc byte[32];
            Assert.That((long)LibC.Read(fds[0], b, 32), Is.EqualTo(10));
            Assert.That(Encoding.ASCII.GetString(b, 10), Is.EqualTo("+OK\r\n:42\r\n"));
            Assert.That(_pool.BytesInUse, Is.EqualTo(0));
        }
        finally
        {
            LibC.Close(fds[0]);
            LibC.Close(fds[1]);
        }
    }

    [Test]
    public unsafe void FlushWritesEverythingToTheDescriptorAndFreesBuffers()
    {
        int* fds = stackalloc int[2];
        Assert.That(LibC.Pipe(fds), Is.EqualTo(0));
        try
        {
            var payload = new byte[40_000];
            new Random(5).NextBytes(payload);
            int handle = _writer.BeginDeferredLength();
            _writer.AddBulk(payload);
            _writer.SetDeferredArrayLength(handle, 1);
            byte[] expected = _writer.PeekPending();
            var reader = Task.Run(() =>
            {
                var received = new MemoryStream();
                var buf = new byte[8192];
                while (received.Length < expected.Length)
                {
                    fixed (byte* p = buf)
                    {
                        nint n = LibC.Read(fds[0], p, buf.Length);
                        if (n <= 0) break;
                        received.Write(buf, 0, (int)n);
                    }
                }
                return received.ToArray();
            });
            var result = _writer.FlushTo(fds[1], out long written);
            Assert.That(result, Is.EqualTo(ReplyWriter.FlushResult.Done));
            Assert.That(written, Is.EqualTo(expected.Length));
            Assert.That(reader.Wait(TimeSpan.FromSeconds(10)), Is.True);
            Assert.That(reader.Result, Is.EqualTo(expected));
            Assert.That(_writer.PendingBytes, Is.EqualTo(0));
            Assert.That(_pool.BytesInUse, Is.EqualTo(0));
        }
        finally
        {
            LibC.Close(fds[0]);
            LibC.Close(fds[1]);
        }
    }
}
