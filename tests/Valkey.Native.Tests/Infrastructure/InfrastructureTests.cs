using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NUnit.Framework;

namespace Valkey.Native.Tests.Infrastructure;

/// <summary>Checks RawRespClient's reply framing on hand-written bytes; needs no server.</summary>
[TestFixture]
public class InfrastructureTests
{
    private static readonly string[] CompleteFrames =
    {
        "+OK\r\n",
        "-ERR unknown command 'foo', with args beginning with: \r\n",
        ":0\r\n",
        ":-9223372036854775808\r\n",
        "$-1\r\n",
        "$0\r\n\r\n",
        "$5\r\nhello\r\n",
        "$4\r\na\r\nb\r\n",                       // CRLF inside a bulk string is payload
        "*-1\r\n",
        "*0\r\n",
        "*2\r\n$3\r\nfoo\r\n:1\r\n",
        "*3\r\n*1\r\n+a\r\n*0\r\n*2\r\n$-1\r\n*-1\r\n",
        "_\r\n",
        ",3.14\r\n",
        ",-inf\r\n",
        "#t\r\n",
        "#f\r\n",
        "!21\r\nSYNTAX invalid syntax\r\n",
        "=15\r\ntxt:Some string\r\n",
        "(3492890328409238509324850943850943825024385\r\n",
        "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
        "%0\r\n",
        "~2\r\n+a\r\n+b\r\n",
        ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
        // attribute frame + the reply it annotates = one reply (example from the RESP3 spec)
        "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
        // attribute on an element: the array still has 2 elements
        "*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nx\r\n:5\r\n",
        "$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n",
        "*?\r\n:1\r\n:2\r\n.\r\n",
        "%?\r\n+a\r\n:1\r\n.\r\n",
    };

    [TestCaseSource(nameof(CompleteFrames))]
    public void CompleteFrameHasItsFullLengthAndEveryPrefixIsIncomplete(string frame)
    {
        var bytes = Encoding.UTF8.GetBytes(frame);
        Assert.That(RawRespClient.GetFrameLength(bytes), Is.EqualTo(bytes.Length), RawRespClient.Escape(frame));
        for (int i = 0; i < bytes.Length; i++)
            Assert.That(RawRespClient.GetFrameLength(bytes.AsSpan(0, i)), Is.EqualTo(-1),
                $"prefix of {i} bytes of \"{RawRespClient.Escape(frame)}\"");
    }

    [TestCaseSource(nameof(CompleteFrames))]
    public void ReadReplyReturnsExactlyOneFrameEvenWhenBytesTrickleIn(string frame)
    {
        var bytes = Encoding.UTF8.GetBytes(frame + ":42\r\n");
        using var client = new RawRespClient(new TrickleStream(bytes, chunk: 1), TimeSpan.FromSeconds(5));
        Assert.That(client.ReadReply(), Is.EqualTo(frame));
        Assert.That(client.ReadReply(), Is.EqualTo(":42\r\n"));
        Assert.Throws<IOException>(() => client.ReadReply(), "end of stream before a reply");
    }

    [TestCase("?\r\n")]
    [TestCase("+OK\n")]
    [TestCase("+O\rK\r\n")]
    [TestCase(":12a\r\n")]
    [TestCase(":\r\n")]
    [TestCase("#x\r\n")]
    [TestCase("_x\r\n")]
    [TestCase("$3\r\nfooX\r\n")]
    [TestCase("$x\r\n")]
    [TestCase("$-2\r\n")]
    [TestCase("!-1\r\n")]
    [TestCase("*-2\r\n")]
    [TestCase("%-1\r\n")]
    [TestCase("=3\r\ntxt\r\n")]
    [TestCase("=5\r\ntxt-x\r\n")]
    [TestCase("*2\r\n+a\r\n;1\r\n")]
    [TestCase("*?\r\n:1\r\n.x\r\n")]
    [TestCase("$?\r\n+4\r\n")]
    public void InvalidFramesAreRejected(string frame)
    {
        Assert.Throws<RespProtocolException>(() => RawRespClient.GetFrameLength(Encoding.UTF8.GetBytes(frame)));
    }

    [Test]
    public void FrameLengthIgnoresWhatFollowsTheFirstReply()
    {
        var bytes = Encoding.ASCII.GetBytes("*1\r\n+a\r\n+b\r\n");
        Assert.That(RawRespClient.GetFrameLength(bytes), Is.EqualTo(8));
        Assert.That(RawRespClient.GetFrameLength(ReadOnlySpan<byte>.Empty), Is.EqualTo(-1));
    }

    [Test]
    public void EncodeCommandProducesAnArrayOfBulkStrings()
    {
        Assert.That(Encoding.UTF8.GetString(RawRespClient.EncodeCommand("SET", "k", "")),
            Is.EqualTo("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"));
        Assert.That(RawRespClient.EncodeCommand(new byte[] { 0, 13, 10 }),
            Is.EqualTo(new byte[] { (byte)'*', (byte)'1', 13, 10, (byte)'$', (byte)'3', 13, 10, 0, 13, 10, 13, 10 }));
        Assert.That(Encoding.UTF8.GetString(RawRespClient.EncodeCommand("é")), Is.EqualTo("*1\r\n$2\r\né\r\n"));
    }

    [Test]
    public void BinaryPayloadsSurviveByteForByte()
    {
        var payload = new byte[] { 0xFF, 0x00, (byte)'\r', (byte)'\n', 0x80 };
        var frame = new List<byte>(Encoding.ASCII.GetBytes("$5\r\n"));
        frame.AddRange(payload);
        frame.AddRange("\r\n"u8.ToArray());
        using var client = new RawRespClient(new MemoryStream(frame.ToArray()));
        Assert.That(client.ReadReplyBytes(), Is.EqualTo(frame.ToArray()));
    }

    [Test]
    public void ReadLineAndReadExactlyConsumeWhatTheySay()
    {
        using var client = new RawRespClient(new TrickleStream(Encoding.ASCII.GetBytes("+PONG\r\nabcdef:1\r\n"), chunk: 3));
        Assert.That(client.ReadLine(), Is.EqualTo("+PONG"));
        Assert.That(Encoding.ASCII.GetString(client.ReadExactly(6)), Is.EqualTo("abcdef"));
        Assert.That(client.ReadReply(), Is.EqualTo(":1\r\n"));
        Assert.Throws<IOException>(() => client.ReadExactly(1));
    }

    [Test]
    public void LargeRepliesGrowTheBuffer()
    {
        var sb = new StringBuilder();
        sb.Append("*20000\r\n");
        for (int i = 0; i < 20000; i++) sb.Append("$10\r\n").Append(i.ToString("D10")).Append("\r\n");
        var big = "$300000\r\n" + new string('x', 300000) + "\r\n";
        using var client = new RawRespClient(new TrickleStream(Encoding.ASCII.GetBytes(sb + big), chunk: 7000));
        Assert.That(client.ReadReply(), Is.EqualTo(sb.ToString()));
        Assert.That(client.ReadReply(), Is.EqualTo(big));
    }

    [Test]
    public void SocketReadsTimeOutInsteadOfHanging()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new RawRespClient(port, timeout: TimeSpan.FromMilliseconds(300));
        using var peer = listener.AcceptSocket();

        peer.Send("*2\r\n+a\r\n"u8.ToArray());
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<TimeoutException>(() => client.ReadReply());
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(e!.Message, Does.Contain("*2\\r\\n+a\\r\\n"), "the message shows the partial reply");

        Assert.That(client.IsClosed(TimeSpan.FromMilliseconds(100)), Is.False);
        peer.Send("+b\r\n"u8.ToArray());
        Assert.That(client.ReadReply(), Is.EqualTo("*2\r\n+a\r\n+b\r\n"), "a timeout loses no bytes");

        Assert.That(client.WaitForData(TimeSpan.FromMilliseconds(100)), Is.False);
        client.SendCommand("PING");
        var buffer = new byte[64];
        int n = peer.Receive(buffer);
        Assert.That(Encoding.ASCII.GetString(buffer, 0, n), Is.EqualTo("*1\r\n$4\r\nPING\r\n"));

        peer.Send("-ERR bye\r\n"u8.ToArray());
        peer.Shutdown(SocketShutdown.Both);
        peer.Close();
        Assert.That(client.IsClosed(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(Encoding.ASCII.GetString(client.ReadUntilClosed()), Is.EqualTo("-ERR bye\r\n"));
    }

    [Test]
    public void EscapeMakesControlBytesVisible()
    {
        Assert.That(RawRespClient.Escape("+OK\r\n"), Is.EqualTo("+OK\\r\\n"));
        Assert.That(RawRespClient.Escape(new byte[] { 0, 0x7F, (byte)'a' }), Is.EqualTo("\\x00\\x7fa"));
    }

    /// <summary>A read-only stream that hands out at most <c>chunk</c> bytes per Read.</summary>
    private sealed class TrickleStream : Stream
    {
        private readonly byte[] _data;
        private readonly int _chunk;
        private int _pos;

        public TrickleStream(byte[] data, int chunk) { _data = data; _chunk = chunk; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, _chunk), _data.Length - _pos);
            Array.Copy(_data, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _data.Length;
        public override long Position { get => _pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>
/// Smoke tests of the harness itself against the real server binary (see <see cref="ServerProcess.FindBinary"/>):
/// start, PING over a raw socket, StackExchange.Redis and redis-cli, and stop.
/// </summary>
[TestFixture]
[Category("Server")]
public class ServerProcessTests
{
    [Test]
    public void StartsAnswersPingOnEveryClientAndStops()
    {
        var server = new ServerProcess();
        try
        {
            Assert.That(server.Port, Is.GreaterThan(0));
            Assert.That(server.Endpoint, Is.EqualTo($"127.0.0.1:{server.Port}"));
            Assert.That(server.HasExited, Is.False);

            using (var raw = server.CreateRawClient())
            {
                Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"));
                raw.Send("PING\r\n"); // inline command
                Assert.That(raw.ReadReply(), Is.EqualTo("+PONG\r\n"));
            }

            using (var mux = server.Connect())
            {
                var db = mux.GetDatabase();
                db.Ping();
                Assert.That(mux.IsConnected, Is.True);
            }

            var cli = server.Cli("PING");
            Assert.That(cli.ExitCode, Is.EqualTo(0), cli.ToString());
            Assert.That(cli.StdOut.Trim(), Is.EqualTo("PONG"), cli.ToString());
        }
        finally
        {
            server.Dispose();
        }
        Assert.That(server.HasExited, Is.True, "Dispose stops the server");
        Assert.That(Directory.Exists(server.WorkingDirectory), Is.False, "Dispose removes its temporary directory");
    }

    [Test]
    public void SharedServerIsStartedOnceAndReused()
    {
        var first = SharedServer.Instance;
        Assert.That(SharedServer.Instance, Is.SameAs(first));
        Assert.That(SharedServer.Port, Is.EqualTo(first.Port));
        using var raw = SharedServer.CreateRawClient();
        Assert.That(raw.Execute("PING"), Is.EqualTo("+PONG\r\n"));
    }
}
