using System.Text;
using NUnit.Framework;
using Valkey.Native.Persistence;

namespace Valkey.Native.Tests.Unit;

/// <summary>The multi-part AOF manifest (parse, format, quoting, errors) and the AOF command reader.</summary>
[TestFixture]
public sealed class AofManifestTests
{
    [Test]
    public void ParsesAndFormatsValkeyManifests()
    {
        const string text = "file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\n" +
                            "file appendonly.aof.4.incr.aof seq 4 type i\nfile appendonly.aof.5.incr.aof seq 5 type i\n";
        var m = AofManifest.Parse(text);
        Assert.That(m.Base, Is.EqualTo(new AofFileInfo("appendonly.aof.3.base.rdb", 3, AofFileType.Base)));
        Assert.That(m.History.Select(f => f.Name), Is.EqualTo(new[] { "appendonly.aof.1.incr.aof" }));
        Assert.That(m.Incr.Select(f => f.Seq), Is.EqualTo(new long[] { 4, 5 }));
        Assert.That(m.CurrentBaseSeq, Is.EqualTo(3));
        Assert.That(m.CurrentIncrSeq, Is.EqualTo(5));
        Assert.That(m.LoadOrder().Select(f => f.Name),
            Is.EqualTo(new[] { "appendonly.aof.3.base.rdb", "appendonly.aof.4.incr.aof", "appendonly.aof.5.incr.aof" }));
        Assert.That(m.Format(), Is.EqualTo(text));
    }

    [Test]
    public void AcceptsCommentsCrlfUnknownKeysAndFieldOrderButNotBlankLines()
    {
        var m = AofManifest.Parse("# comment\r\nseq 1 type b file x.1.base.aof startoffset 0\r\nfile x.1.incr.aof seq 1 type i\r\n");
        Assert.That(m.Base!.Name, Is.EqualTo("x.1.base.aof"));
        Assert.That(m.Incr.Single().Name, Is.EqualTo("x.1.incr.aof"));
        // aofLoadManifestFromFile rejects a line that is empty once trimmed.
        var e = Assert.Throws<FormatException>(() => AofManifest.Parse("# comment\r\n\r\nfile x.1.base.aof seq 1 type b\n"));
        Assert.That(e!.Message, Is.EqualTo("Invalid AOF manifest file format"));
    }

    [Test]
    public void QuotesNamesWithSpacesAndParsesThemBack()
    {
        var m = new AofManifest { Base = new AofFileInfo("my file.1.base.rdb", 1, AofFileType.Base) };
        m.Incr.Add(new AofFileInfo("q\"x\n.1.incr.aof", 1, AofFileType.Incr));
        string text = m.Format();
        Assert.That(text, Is.EqualTo("file \"my file.1.base.rdb\" seq 1 type b\nfile \"q\\\"x\\n.1.incr.aof\" seq 1 type i\n"));
        var back = AofManifest.Parse(text);
        Assert.That(back.Base!.Name, Is.EqualTo("my file.1.base.rdb"));
        Assert.That(back.Incr[0].Name, Is.EqualTo("q\"x\n.1.incr.aof"));
    }

    [TestCase("file a seq 1 type b\nfile b seq 2 type b\n", "Found duplicate base file information")]
    [TestCase("file a seq 2 type i\nfile b seq 2 type i\n", "Found a non-monotonic sequence number")]
    [TestCase("file a seq 1 type z\n", "Unknown AOF file type")]
    [TestCase("file a seq 1\n", "Invalid AOF manifest file format")]
    [TestCase("file a seq x type b\n", "Invalid AOF manifest file format")]
    [TestCase("file dir/a seq 1 type b\n", "File can't be a path, just a filename")]
    [TestCase("file \"a seq 1 type b\n", "Invalid AOF manifest file format")]
    [TestCase("# nothing\n", "Found an empty AOF manifest")]
    public void RejectsBadManifests(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => AofManifest.Parse(text));
        Assert.That(e!.Message, Is.EqualTo(message));
    }

    [Test]
    public void FileNamesFollowValkeysScheme()
    {
        Assert.That(AofManifest.BaseName("appendonly.aof", 7, rdb: true), Is.EqualTo("appendonly.aof.7.base.rdb"));
        Assert.That(AofManifest.BaseName("a.aof", 1, rdb: false), Is.EqualTo("a.aof.1.base.aof"));
        Assert.That(AofManifest.IncrName("appendonly.aof", 12), Is.EqualTo("appendonly.aof.12.incr.aof"));
        Assert.That(AofManifest.ManifestName("appendonly.aof"), Is.EqualTo("appendonly.aof.manifest"));
    }

    private static AofReader Reader(string text) => new(new MemoryStream(Encoding.UTF8.GetBytes(text)));

    [Test]
    public void ReaderReadsCommandsAndSkipsAnnotations()
    {
        var r = Reader("#TS:1700000000\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
        Assert.That(r.Next(), Is.EqualTo(AofReadStatus.Command));
        Assert.That(r.LastAnnotation, Is.EqualTo("TS:1700000000"));
        Assert.That(Encoding.UTF8.GetString(r.Arg(0)), Is.EqualTo("SELECT"));
        Assert.That(r.Next(), Is.EqualTo(AofReadStatus.Command));
        Assert.That(r.Args.Count, Is.EqualTo(3));
        Assert.That(r.Arg(2).Length, Is.EqualTo(0));
        Assert.That(r.Next(), Is.EqualTo(AofReadStatus.End));
    }

    [TestCase("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhel", 0)]
    [TestCase("*1\r\n$4\r\nPING\r\n*1\r\n", 14)]
    [TestCase("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI", 14)]
    [TestCase("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r", 14)]
    [TestCase("*1\r\n$4\r\nPING\r\n#TS:17", 14)]
    public void ReaderReportsATornEndAndWhereToCut(string text, long validUpTo)
    {
        var r = Reader(text);
        AofReadStatus status;
        while ((status = r.Next()) == AofReadStatus.Command) { }
        Assert.That(status, Is.EqualTo(AofReadStatus.Truncated));
        Assert.That(r.ValidUpTo, Is.EqualTo(validUpTo));
    }

    [TestCase("PING\r\n")]
    [TestCase("*1\r\n+PING\r\n")]
    [TestCase("*x\r\n")]
    [TestCase("*1\r\n$4\r\nPINGxx")]
    public void ReaderRejectsBadFormat(string text)
    {
        var r = Reader(text);
        Assert.That(r.Next(), Is.EqualTo(AofReadStatus.BadFormat));
    }
}
