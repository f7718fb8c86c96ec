using System.Text;
using NUnit.Framework;
using Valkey.Native.Server;

namespace Valkey.Native.Tests.Unit;

/// <summary>Config file / command line parsing, CONFIG GET/SET logic and CONFIG REWRITE, without a server.</summary>
[TestFixture]
public class ConfigFileTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "valkey-native-config-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static ConfigRegistry NewRegistry() => new(new ServerConfig());

    private static ConfigRegistry Load(string text)
    {
        var registry = NewRegistry();
        ConfigFile.LoadFromText(registry, Encoding.UTF8.GetBytes(text));
        return registry;
    }

    private static string Value(ConfigRegistry registry, string name) => registry.Find(name)!.Get(registry.Config);

    private static string Fatal(int line, string directive, string error) =>
        $"\n*** FATAL CONFIG FILE ERROR (Version 8.0.1) ***\nReading the configuration file, at line {line}\n>>> '{directive}'\n{error}\n";

    private static string LoadError(string text)
    {
        var e = Assert.Throws<ConfigFileException>(() => Load(text))!;
        return e.Message;
    }

    private string WriteFile(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    // ---- file syntax -------------------------------------------------------------------

    [Test]
    public void CommentsBlankLinesAndIndentationAreIgnored()
    {
        var r = Load("# a comment\n\n   \t\n  port 7001  \r\n# port 1\ntimeout 30\n");
        Assert.That(r.Config.Port, Is.EqualTo(7001));
        Assert.That(r.Config.Timeout, Is.EqualTo(30));
    }

    [Test]
    public void LaterDirectivesOverrideEarlierOnes()
    {
        var r = Load("port 7001\nloglevel debug\nport 7002\n");
        Assert.That(r.Config.Port, Is.EqualTo(7002));
        Assert.That(r.Config.LogLevel, Is.EqualTo(LogLevel.Debug));
    }

    [Test]
    public void DirectiveNamesAndEnumValuesAreCaseInsensitive()
    {
        var r = Load("PORT 7003\nLogLevel WARNING\nProtected-Mode NO\n");
        Assert.That(r.Config.Port, Is.EqualTo(7003));
        Assert.That(Value(r, "loglevel"), Is.EqualTo("warning"));
        Assert.That(r.Config.ProtectedMode, Is.False);
    }

    [Test]
    public void QuotedValuesAreUnescaped()
    {
        var r = Load("requirepass \"p a\\\"ss\\x41\"\npidfile '/tmp/x y'\nlogfile \"\"\n");
        Assert.That(r.Config.RequirePass, Is.EqualTo("p a\"ssA"));
        Assert.That(r.Config.PidFile, Is.EqualTo("/tmp/x y"));
        Assert.That(r.Config.LogFile, Is.EqualTo(""));
    }

    [Test]
    public void SingleQuotedValueWithEscapedQuote()
    {
        var r = Load("requirepass 'it\\'s'\n");
        Assert.That(r.Config.RequirePass, Is.EqualTo("it's"));
    }

    [TestCase("1", 1L)]
    [TestCase("1b", 1L)]
    [TestCase("1k", 1000L)]
    [TestCase("1kb", 1024L)]
    [TestCase("1KB", 1024L)]
    [TestCase("2m", 2_000_000L)]
    [TestCase("2mb", 2L * 1024 * 1024)]
    [TestCase("3g", 3_000_000_000L)]
    [TestCase("3Gb", 3L * 1024 * 1024 * 1024)]
    [TestCase("700mb", 734003200L)]
    [TestCase("", 0L)]
    public void MemoryUnits(string text, long expected)
    {
        var r = Load($"maxmemory \"{text}\"\n");
        Assert.That(r.Config.MaxMemory, Is.EqualTo(expected));
        Assert.That(Value(r, "maxmemory"), Is.EqualTo(expected.ToString()));
    }

    [TestCase("-1")]
    [TestCase("1x")]
    [TestCase("1.5mb")]
    [TestCase("1 mb")]
    [TestCase("1mbb")]
    public void BadMemoryValues(string text)
    {
        Assert.That(LoadError($"maxmemory \"{text}\"\n"),
            Is.EqualTo(Fatal(1, $"maxmemory \"{text}\"", "argument must be a memory value")));
    }

    [Test]
    public void MemoryBoundsAreChecked()
    {
        Assert.That(LoadError("proto-max-bulk-len 1000\n"),
            Is.EqualTo(Fatal(1, "proto-max-bulk-len 1000", "argument must be between 1048576 and 9223372036854775807 inclusive")));
        Assert.That(Load("proto-max-bulk-len 1mb\n").Config.ProtoMaxBulkLen, Is.EqualTo(1024 * 1024));
    }

    [Test]
    public void OctalUnixSocketPerm()
    {
        var r = Load("unixsocketperm 700\n");
        Assert.That(r.Config.UnixSocketPerm, Is.EqualTo(Convert.ToInt32("700", 8)));
        Assert.That(Value(r, "unixsocketperm"), Is.EqualTo("700"));
        Assert.That(Load("unixsocketperm 0755\n").Config.UnixSocketPerm, Is.EqualTo(Convert.ToInt32("755", 8)));
        Assert.That(LoadError("unixsocketperm 1000\n"),
            Is.EqualTo(Fatal(1, "unixsocketperm 1000", "argument must be between 0 and 777 inclusive")));
        Assert.That(LoadError("unixsocketperm 8\n"),
            Is.EqualTo(Fatal(1, "unixsocketperm 8", "argument couldn't be parsed as an octal number")));
    }

    [Test]
    public void AliasesSetTheSameParameter()
    {
        var r = Load("hash-max-ziplist-entries 77\nhash-max-ziplist-value 1kb\n");
        Assert.That(r.Config.HashMaxListpackEntries, Is.EqualTo(77));
        Assert.That(r.Config.HashMaxListpackValue, Is.EqualTo(1024));
        Assert.That(Value(r, "hash-max-listpack-entries"), Is.EqualTo("77"));
    }

    [Test]
    public void BindTakesSeveralAddressesOrOneQuotedList()
    {
        Assert.That(Load("bind 127.0.0.1 ::1\n").Config.Bind, Is.EqualTo(new[] { "127.0.0.1", "::1" }));
        Assert.That(Load("bind \"127.0.0.1 -::1\"\n").Config.Bind, Is.EqualTo(new[] { "127.0.0.1", "-::1" }));
        Assert.That(Load("bind \"\"\n").Config.Bind, Is.Empty);
        var r = Load("bind 1.1.1.1 2.2.2.2\n");
        Assert.That(Value(r, "bind"), Is.EqualTo("1.1.1.1 2.2.2.2"));
        string tooMany = "bind " + string.Join(' ', Enumerable.Range(1, 17).Select(i => $"10.0.0.{i}"));
        Assert.That(LoadError(tooMany + "\n"), Is.EqualTo(Fatal(1, tooMany, "Too many bind addresses specified.")));
    }

    [Test]
    public void SaveLinesAccumulateAndReplaceTheDefaults()
    {
        Assert.That(Value(NewRegistry(), "save"), Is.EqualTo("3600 1 300 100 60 10000"));
        Assert.That(Value(Load("save 900 1\nsave 300 10\n"), "save"), Is.EqualTo("900 1 300 10"));
        Assert.That(Value(Load("save \"\"\n"), "save"), Is.EqualTo(""));
        Assert.That(Value(Load("save 900 1\nsave \"\"\n"), "save"), Is.EqualTo(""));
        Assert.That(LoadError("save 900\n"), Is.EqualTo(Fatal(1, "save 900", "Invalid save parameters")));
        Assert.That(LoadError("save 0 1\n"), Is.EqualTo(Fatal(1, "save 0 1", "Invalid save parameters")));
    }

    [Test]
    public void HzIsCappedToItsUsefulRange()
    {
        Assert.That(Load("hz 1000\n").Config.Hz, Is.EqualTo(500));
        Assert.That(Load("hz 0\n").Config.Hz, Is.EqualTo(1));
        Assert.That(Value(Load("hz 100\n"), "hz"), Is.EqualTo("100"));
    }

    [Test]
    public void DeprecatedDirectivesAreAcceptedAndIgnored()
    {
        var r = Load("list-max-ziplist-entries 512\nio-threads-do-reads yes\nport 7004\n");
        Assert.That(r.Config.Port, Is.EqualTo(7004));
        Assert.That(LoadError("list-max-ziplist-entries 1 2\n"),
            Is.EqualTo(Fatal(1, "list-max-ziplist-entries 1 2", "Bad directive or wrong number of arguments")));
    }

    // ---- errors ------------------------------------------------------------------------

    [Test]
    public void UnknownDirectiveReportsLineAndText()
    {
        Assert.That(LoadError("port 7000\n\n  no-such-thing   1 \"2\"  \n"),
            Is.EqualTo(Fatal(3, "no-such-thing   1 \"2\"", "Bad directive or wrong number of arguments")));
    }

    [Test]
    public void BadValuesReportValkeysReasons()
    {
        Assert.That(LoadError("port abc\n"), Is.EqualTo(Fatal(1, "port abc", "argument couldn't be parsed into an integer")));
        Assert.That(LoadError("port 70000\n"), Is.EqualTo(Fatal(1, "port 70000", "argument must be between 0 and 65535 inclusive")));
        Assert.That(LoadError("port 1 2\n"), Is.EqualTo(Fatal(1, "port 1 2", "wrong number of arguments")));
        Assert.That(LoadError("port +1\n"), Is.EqualTo(Fatal(1, "port +1", "argument couldn't be parsed into an integer")));
        Assert.That(LoadError("maxclients 0\n"), Is.EqualTo(Fatal(1, "maxclients 0", "argument must be between 1 and 4294967295 inclusive")));
        Assert.That(LoadError("maxclients -1\n"), Is.EqualTo(Fatal(1, "maxclients -1", "argument must be between 1 and 4294967295 inclusive")));
        Assert.That(LoadError("protected-mode maybe\n"), Is.EqualTo(Fatal(1, "protected-mode maybe", "argument must be 'yes' or 'no'")));
        Assert.That(LoadError("loglevel loud\n"), Is.EqualTo(Fatal(1, "loglevel loud",
            "argument(s) must be one of the following: debug, verbose, notice, warning, nothing")));
        Assert.That(LoadError("databases 0\n"), Is.EqualTo(Fatal(1, "databases 0", "argument must be between 1 and 2147483647 inclusive")));
        Assert.That(LoadError("active-expire-effort 11\n"), Is.EqualTo(Fatal(1, "active-expire-effort 11", "argument must be between 1 and 10 inclusive")));
        Assert.That(LoadError("enable-debug-command sometimes\n"), Is.EqualTo(Fatal(1, "enable-debug-command sometimes",
            "argument(s) must be one of the following: no, yes, local")));
    }

    [Test]
    public void UnbalancedQuotes()
    {
        Assert.That(LoadError("port \"7000\n"), Is.EqualTo(Fatal(1, "port \"7000", "Unbalanced quotes in configuration line")));
        Assert.That(LoadError("requirepass \"a\"b\n"), Is.EqualTo(Fatal(1, "requirepass \"a\"b", "Unbalanced quotes in configuration line")));
    }

    [Test]
    public void DaemonizeYesIsRefused()
    {
        Assert.That(Load("daemonize no\n").Config.Daemonize, Is.False);
        string message = LoadError("daemonize yes\n");
        Assert.That(message, Does.StartWith(Fatal(1, "daemonize yes", "daemonize yes is not supported")[..^1]));
    }

    [Test]
    public void UnsupportedValkeyDirectivesSayWhy()
    {
        Assert.That(LoadError("rename-command FLUSHALL \"\"\n"), Is.EqualTo(Fatal(1, "rename-command FLUSHALL \"\"",
            "The 'rename-command' directive is not supported by Valkey.Native")));
    }

    [Test]
    public void UnwritableLogFileIsFatal()
    {
        string path = Path.Combine(_dir, "no-such-dir", "x.log");
        Assert.That(LoadError($"logfile {path}\n"),
            Is.EqualTo("\n*** FATAL CONFIG FILE ERROR (Version 8.0.1) ***\nCan't open the log file: No such file or directory\n"));
    }

    // ---- include -----------------------------------------------------------------------

    [Test]
    public void IncludeReadsAnotherFileInPlace()
    {
        string inc = WriteFile("inc.conf", "port 7100\ntimeout 5\n");
        var r = Load($"port 7000\ninclude {inc}\ntimeout 9\n");
        Assert.That(r.Config.Port, Is.EqualTo(7100));
        Assert.That(r.Config.Timeout, Is.EqualTo(9));
    }

    [Test]
    public void IncludeWithWildcardReadsMatchesInOrderAndAllowsNone()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "conf.d"));
        WriteFile("conf.d/b.conf", "port 7200\n");
        WriteFile("conf.d/a.conf", "port 7100\ntimeout 3\n");
        WriteFile("conf.d/c.txt", "port 1\n");
        var r = Load($"include {_dir}/conf.d/*.conf\n");
        Assert.That(r.Config.Port, Is.EqualTo(7200));
        Assert.That(r.Config.Timeout, Is.EqualTo(3));
        Assert.That(Load($"include {_dir}/empty.d/*.conf\nport 7300\n").Config.Port, Is.EqualTo(7300));
    }

    [Test]
    public void SaveLinesStillAccumulateAfterAnInclude()
    {
        string inc = WriteFile("inc-save.conf", "save 60 1\n");
        Assert.That(Value(Load($"save 900 1\ninclude {inc}\nsave 300 10\n"), "save"), Is.EqualTo("900 1 60 1 300 10"));
    }

    [Test]
    public void ErrorInIncludedFileReportsThatFilesLine()
    {
        string inc = WriteFile("bad.conf", "# first\nport nope\n");
        Assert.That(LoadError($"timeout 1\ninclude {inc}\n"),
            Is.EqualTo(Fatal(2, "port nope", "argument couldn't be parsed into an integer")));
    }

    [Test]
    public void MissingIncludeIsFatal()
    {
        string missing = Path.Combine(_dir, "missing.conf");
        Assert.That(LoadError($"include {missing}\n"),
            Is.EqualTo($"Fatal error, can't open config file '{missing}': No such file or directory\n"));
    }

    [Test]
    public void SelfIncludeStopsWithAnError()
    {
        string path = Path.Combine(_dir, "loop.conf");
        File.WriteAllText(path, $"include {path}\n");
        Assert.That(LoadError($"include {path}\n"), Does.Contain("Too many nested includes"));
    }

    // ---- command line ------------------------------------------------------------------

    [Test]
    public void OptionsBecomeQuotedConfigLines()
    {
        string options = ConfigFile.BuildOptions(["--port", "7000", "--bind", "127.0.0.1", "::1", "--requirepass", "a \"b\""],
            out string? file, out bool stdin);
        Assert.That(file, Is.Null);
        Assert.That(stdin, Is.False);
        Assert.That(options, Is.EqualTo("port \"7000\" \nbind \"127.0.0.1\" \"::1\" \nrequirepass \"a \\\"b\\\"\" "));
    }

    [Test]
    public void FirstArgumentNotStartingWithDashIsTheConfigFile()
    {
        string options = ConfigFile.BuildOptions(["my.conf", "--port", "1"], out string? file, out bool stdin);
        Assert.That(file, Is.EqualTo("my.conf"));
        Assert.That(stdin, Is.False);
        Assert.That(options, Is.EqualTo("port \"1\" "));
        ConfigFile.BuildOptions(["my.conf", "-"], out _, out stdin);
        Assert.That(stdin, Is.True);
        ConfigFile.BuildOptions(["-", "--port", "1"], out file, out stdin);
        Assert.That(file, Is.Null);
        Assert.That(stdin, Is.True);
    }

    [Test]
    public void NameAndValueInOneArgument()
    {
        Assert.That(ConfigFile.BuildOptions(["--maxmemory 700mb", "--maxmemory-policy volatile-lru"], out _, out _),
            Is.EqualTo("maxmemory 700mb \nmaxmemory-policy volatile-lru "));
    }

    [Test]
    public void ValueMayStartWithDashesRightAfterAName()
    {
        Assert.That(ConfigFile.BuildOptions(["--logfile", "--my--log", "--loglevel", "verbose"], out _, out _),
            Is.EqualTo("logfile \"--my--log\" \nloglevel \"verbose\" "));
    }

    [Test]
    public void BareSaveMeansEmptySaveList()
    {
        Assert.That(ConfigFile.BuildOptions(["--save", "--loglevel", "verbose"], out _, out _),
            Is.EqualTo("save \"\"\nloglevel \"verbose\" "));
        Assert.That(ConfigFile.BuildOptions(["--loglevel", "verbose", "--save"], out _, out _),
            Is.EqualTo("loglevel \"verbose\" \nsave \"\""));
    }

    [Test]
    public void StartupFromFileThenOptions()
    {
        string conf = WriteFile("startup.conf", "port 7000\ntimeout 10\nsave 900 1\n");
        var r = NewRegistry();
        r.LoadStartup([conf, "--port", "7001", "--save", "100", "100", "--bind", "127.0.0.1", "::1"]);
        Assert.That(r.Config.Port, Is.EqualTo(7001));
        Assert.That(r.Config.Timeout, Is.EqualTo(10));
        Assert.That(Value(r, "save"), Is.EqualTo("900 1 100 100"));
        Assert.That(r.Config.Bind, Is.EqualTo(new[] { "127.0.0.1", "::1" }));
        Assert.That(r.Config.ConfigFile, Is.EqualTo(conf));
    }

    [Test]
    public void EmptySaveOptionResetsTheFilesSavePoints()
    {
        string conf = WriteFile("save.conf", "save 900 1\n");
        var r = NewRegistry();
        r.LoadStartup([conf, "--save", ""]);
        Assert.That(Value(r, "save"), Is.EqualTo(""));
    }

    [Test]
    public void OptionErrorsCountLinesAfterTheFile()
    {
        var e = Assert.Throws<ConfigFileException>(() => NewRegistry().LoadStartup(["--port", "6379", "6380"]))!;
        Assert.That(e.Message, Is.EqualTo(Fatal(2, "port \"6379\" \"6380\"", "wrong number of arguments")));

        e = Assert.Throws<ConfigFileException>(() => NewRegistry().LoadStartup(["--port", "--bla", "--loglevel", "verbose"]))!;
        Assert.That(e.Message, Is.EqualTo(Fatal(2, "port \"--bla\"", "argument couldn't be parsed into an integer")));

        e = Assert.Throws<ConfigFileException>(() => NewRegistry().LoadStartup(["--invalid"]))!;
        Assert.That(e.Message, Is.EqualTo(Fatal(2, "invalid", "Bad directive or wrong number of arguments")));

        e = Assert.Throws<ConfigFileException>(() => NewRegistry().LoadStartup(["--port", "6380", "--loglevel"]))!;
        Assert.That(e.Message, Is.EqualTo(Fatal(3, "loglevel", "wrong number of arguments")));

        string conf = WriteFile("two-lines.conf", "port 7000\ntimeout 1\n");
        e = Assert.Throws<ConfigFileException>(() => NewRegistry().LoadStartup([conf, "--timeout", "x"]))!;
        Assert.That(e.Message, Is.EqualTo(Fatal(4, "timeout \"x\"", "argument couldn't be parsed into an integer")));
    }

    [Test]
    public void MissingConfigFileIsFatal()
    {
        string missing = Path.Combine(_dir, "nope.conf");
        var e = Assert.Throws<ConfigFileException>(() => NewRegistry().LoadStartup([missing]))!;
        Assert.That(e.Message, Is.EqualTo($"Fatal error, can't open config file '{missing}': No such file or directory\n"));
    }

    [Test]
    public void AbsolutePathFoldsOnlyLeadingParentDirectories()
    {
        string cwd = Directory.GetCurrentDirectory().TrimEnd('/');
        Assert.That(ConfigFile.GetAbsolutePath("/etc/valkey.conf"), Is.EqualTo("/etc/valkey.conf"));
        Assert.That(ConfigFile.GetAbsolutePath("a.conf"), Is.EqualTo(cwd + "/a.conf"));
        Assert.That(ConfigFile.GetAbsolutePath("../a.conf"), Is.EqualTo(cwd[..(cwd.LastIndexOf('/') + 1)] + "a.conf"));
    }

    // ---- C text helpers ----------------------------------------------------------------

    [TestCase("abc", "\"abc\"")]
    [TestCase("a b", "\"a b\"")]
    [TestCase("q\"\\", "\"q\\\"\\\\\"")]
    [TestCase("\n\r\t\a\b", "\"\\n\\r\\t\\a\\b\"")]
    [TestCase("\u0001", "\"\\x01\"")]
    [TestCase("é", "\"\\xc3\\xa9\"")]
    public void ReprQuotesLikeSdscatrepr(string value, string expected) =>
        Assert.That(ConfigText.Repr(value), Is.EqualTo(expected));

    [TestCase(0L, "0")]
    [TestCase(1000L, "1000")]
    [TestCase(1024L, "1kb")]
    [TestCase(3L * 1024 * 1024, "3mb")]
    [TestCase(512L * 1024 * 1024, "512mb")]
    [TestCase(2L * 1024 * 1024 * 1024, "2gb")]
    [TestCase(1025L, "1025")]
    public void RewriteMemoryNotation(long bytes, string expected) =>
        Assert.That(ConfigText.FormatMemory(bytes), Is.EqualTo(expected));

    [Test]
    public void StrToLongFollowsC()
    {
        Assert.That(ConfigText.StrToLong("  -12", 10, out long v, out bool complete, out _), Is.True);
        Assert.That(v, Is.EqualTo(-12));
        Assert.That(ConfigText.StrToLong("12x", 10, out _, out complete, out _), Is.False);
        Assert.That(complete, Is.False);
        Assert.That(ConfigText.StrToLong("", 10, out v, out complete, out _), Is.True);
        Assert.That(v, Is.EqualTo(0));
        Assert.That(ConfigText.StrToLong("+", 10, out _, out _, out _), Is.False);
        Assert.That(ConfigText.StrToLong("99999999999999999999", 10, out v, out _, out bool overflow), Is.True);
        Assert.That(overflow, Is.True);
        Assert.That(v, Is.EqualTo(long.MaxValue));
    }

    // ---- CONFIG GET / SET logic -----------------------------------------------------------

    private static Dictionary<string, string> Get(ConfigRegistry r, params string[] patterns) =>
        r.Get(patterns.Select(Encoding.UTF8.GetBytes)).ToDictionary(p => p.Key, p => p.Value);

    private static KeyValuePair<string, string>[] Pairs(params string[] flat) =>
        Enumerable.Range(0, flat.Length / 2).Select(i => new KeyValuePair<string, string>(flat[2 * i], flat[2 * i + 1])).ToArray();

    [Test]
    public void GetMatchesGlobsCaseInsensitivelyWithoutDuplicates()
    {
        var r = NewRegistry();
        var result = r.Get(new[] { "maxmemory", "MAXMEMORY*", "hash-*", "port" }.Select(Encoding.UTF8.GetBytes));
        var names = result.Select(p => p.Key).ToList();
        Assert.That(names, Is.Unique);
        Assert.That(names, Is.SupersetOf(new[] { "maxmemory", "maxmemory-policy", "hash-max-listpack-entries", "hash-max-ziplist-entries", "port" }));
        Assert.That(names.Count(n => n.Equals("maxmemory", StringComparison.OrdinalIgnoreCase)), Is.EqualTo(1));
        Assert.That(Get(r, "PORT"), Is.EqualTo(new Dictionary<string, string> { ["PORT"] = "6379" }));
        Assert.That(Get(r, "nosuch*", "nosuch"), Is.Empty);
    }

    [Test]
    public void HiddenParametersNeedTheirExactName()
    {
        var r = Load("event-loop-backend poll\n");
        Assert.That(Get(r, "*").Keys, Has.No.Member("event-loop-backend"));
        Assert.That(Get(r, "EVENT-LOOP-BACKEND"), Is.EqualTo(new Dictionary<string, string> { ["EVENT-LOOP-BACKEND"] = "poll" }));
    }

    [Test]
    public void GetPrintsValuesAsValkey()
    {
        var r = Load("maxmemory 1gb\nunixsocketperm 755\nbind 127.0.0.1 -::1\nprotected-mode no\n");
        var values = Get(r, "maxmemory", "unixsocketperm", "bind", "protected-mode", "proto-max-bulk-len", "loglevel", "unixsocket");
        Assert.That(values["maxmemory"], Is.EqualTo("1073741824"));
        Assert.That(values["unixsocketperm"], Is.EqualTo("755"));
        Assert.That(values["bind"], Is.EqualTo("127.0.0.1 -::1"));
        Assert.That(values["protected-mode"], Is.EqualTo("no"));
        Assert.That(values["proto-max-bulk-len"], Is.EqualTo("536870912"));
        Assert.That(values["loglevel"], Is.EqualTo("notice"));
        Assert.That(values["unixsocket"], Is.EqualTo(""));
    }

    [Test]
    public void EveryValueReadsBackThroughSet()
    {
        // Mirrors Valkey's "CONFIG sanity": setting every mutable parameter to its own value changes nothing.
        var r = NewRegistry();
        var before = Get(r, "*");
        foreach (var (name, value) in before)
        {
            var p = r.Find(name)!;
            if (p.Has(ConfigFlags.Immutable) || p.Has(ConfigFlags.Protected)) continue;
            Assert.That(r.Set(Pairs(name, value), clientIsLocal: true), Is.Null, name);
        }
        Assert.That(Get(r, "*"), Is.EqualTo(before));
    }

    [Test]
    public void SetSeveralPairs()
    {
        var r = NewRegistry();
        Assert.That(r.Set(Pairs("maxmemory", "10mb", "timeout", "7", "save", "3000 5", "bind", "127.0.0.1 ::1"), true), Is.Null);
        Assert.That(r.Config.MaxMemory, Is.EqualTo(10L * 1024 * 1024));
        Assert.That(r.Config.Timeout, Is.EqualTo(7));
        Assert.That(Value(r, "save"), Is.EqualTo("3000 5"));
        Assert.That(r.Config.Bind, Is.EqualTo(new[] { "127.0.0.1", "::1" }));
    }

    [Test]
    public void SetErrors()
    {
        var r = NewRegistry();
        Assert.That(r.Set(Pairs("nosuch", "1"), true), Is.EqualTo("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"));
        Assert.That(r.Set(Pairs("databases", "4"), true),
            Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"));
        Assert.That(r.Set(Pairs("maxmemory", "1", "MAXMEMORY", "2"), true),
            Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter"));
        Assert.That(r.Set(Pairs("hash-max-listpack-entries", "1", "hash-max-ziplist-entries", "2"), true),
            Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - duplicate parameter"));
        Assert.That(r.Set(Pairs("timeout", "-1"), true),
            Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive"));
        Assert.That(r.Set(Pairs("hash-max-ziplist-value", "x"), true),
            Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-value') - argument must be a memory value"));
        Assert.That(r.Set(Pairs("enable-debug-command", "yes"), true),
            Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config"));
        Assert.That(r.Set(Pairs("dir", "/tmp"), true),
            Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"));
        Assert.That(r.Set(Pairs("daemonize", "yes"), true),
            Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"));
    }

    [Test]
    public void FailedSetRestoresEveryValue()
    {
        var r = NewRegistry();
        Assert.That(r.Set(Pairs("maxmemory", "10000002"), true), Is.Null);
        string? error = r.Set(Pairs("maxmemory", "10000001", "timeout", "5", "loglevel", "loud", "tcp-keepalive", "bad"), true);
        Assert.That(error, Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'loglevel') - " +
                                      "argument(s) must be one of the following: debug, verbose, notice, warning, nothing"));
        Assert.That(r.Config.MaxMemory, Is.EqualTo(10000002));
        Assert.That(r.Config.Timeout, Is.EqualTo(0));
        Assert.That(r.Config.LogLevel, Is.EqualTo(LogLevel.Notice));
    }

    [Test]
    public void FailedApplyRestoresAndReappliesEveryValue()
    {
        var r = NewRegistry();
        var applied = new List<string>();
        r.Config.Changed += name =>
        {
            applied.Add($"{name}={r.Find(name)!.Get(r.Config)}");
            if (name == "port" && r.Config.Port == 1) throw new InvalidOperationException("Unable to listen on this port. Check server logs.");
        };
        string? error = r.Set(Pairs("timeout", "9", "port", "1"), true);
        Assert.That(error, Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs."));
        Assert.That(r.Config.Timeout, Is.EqualTo(0));
        Assert.That(r.Config.Port, Is.EqualTo(6379));
        Assert.That(applied, Is.EqualTo(new[] { "timeout=9", "port=1", "timeout=0", "port=6379" }));
    }

    [Test]
    public void ChangedIsRaisedOnlyForValuesThatChanged()
    {
        var r = NewRegistry();
        var applied = new List<string>();
        r.Config.Changed += applied.Add;
        Assert.That(r.Set(Pairs("hz", "10", "loglevel", "debug"), true), Is.Null);
        Assert.That(applied, Is.EqualTo(new[] { "loglevel" }));
    }

    [Test]
    [NonParallelizable] // changes the process working directory
    public void ProtectedConfigFollowsEnableProtectedConfigs()
    {
        var r = Load("enable-protected-configs local\n");
        string cwd = Directory.GetCurrentDirectory();
        Assert.That(r.Set(Pairs("dir", cwd), clientIsLocal: false),
            Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"));
        try
        {
            Assert.That(r.Set(Pairs("dir", _dir), clientIsLocal: true), Is.Null);
            Assert.That(Value(r, "dir"), Is.EqualTo(Path.GetFullPath(_dir)));
            Assert.That(r.Set(Pairs("dir", Path.Combine(_dir, "missing")), clientIsLocal: true),
                Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory"));
            Assert.That(r.Set(Pairs("dir", ""), clientIsLocal: true),
                Is.EqualTo("ERR CONFIG SET failed (possibly related to argument 'dir') - dir can't be empty"));
        }
        finally
        {
            Directory.SetCurrentDirectory(cwd);
        }
    }

    [Test]
    public void HzSetAboveTheCapReadsBackCapped()
    {
        var r = NewRegistry();
        Assert.That(r.Set(Pairs("hz", "1000"), true), Is.Null);
        Assert.That(Value(r, "hz"), Is.EqualTo("500"));
    }

    // ---- CONFIG REWRITE ------------------------------------------------------------------

    private string Rewrite(string original, Action<ConfigRegistry> change, bool forceAll = false)
    {
        string path = WriteFile("rewrite.conf", original);
        var r = NewRegistry();
        r.LoadStartup([path]);
        change(r);
        Assert.That(r.Rewrite(forceAll), Is.Null);
        return File.ReadAllText(path);
    }

    [Test]
    public void RewriteKeepsCommentsAndReplacesLinesInPlace()
    {
        string result = Rewrite("# my server\nport 7000\n\n# limits\ntimeout 5\n",
            r => Assert.That(r.Set(Pairs("timeout", "60", "port", "7001"), true), Is.Null));
        // dir and save are always written (Valkey does the same).
        Assert.That(result, Is.EqualTo("# my server\nport 7001\n\n# limits\ntimeout 60\n\n# Generated by CONFIG REWRITE\n" +
                                       $"dir {ConfigText.Repr(Directory.GetCurrentDirectory())}\nsave 3600 1 300 100 60 10000\n"));
    }

    [Test]
    public void RewriteAppendsNonDefaultValuesUnderTheSignatureOnce()
    {
        string result = Rewrite("port 7000\n", r => Assert.That(r.Set(Pairs("maxmemory", "2mb", "loglevel", "debug"), true), Is.Null));
        string cwd = Directory.GetCurrentDirectory();
        Assert.That(result, Is.EqualTo(
            "port 7000\n\n# Generated by CONFIG REWRITE\n" +
            $"dir {ConfigText.Repr(cwd)}\nloglevel debug\nmaxmemory 2mb\nsave 3600 1 300 100 60 10000\n"));
        string again = Rewrite(result, r => Assert.That(r.Set(Pairs("timeout", "1"), true), Is.Null));
        Assert.That(again, Does.Contain("# Generated by CONFIG REWRITE").And.Contain("timeout 1"));
        Assert.That(again.Split('\n').Count(l => l == "# Generated by CONFIG REWRITE"), Is.EqualTo(1));
    }

    [Test]
    public void RewriteBlanksDuplicateLinesAndKeepsUnknownOnesCommented()
    {
        // Lines a start-up would refuse can still be in the file (edited after start): they are kept, commented out.
        string path = WriteFile("dup.conf",
            "port 7000\nport 7001\nsave 900 1\nsave 300 10\nbogus \"x\nhash-max-ziplist-entries 64\nunknown-thing 1\n");
        var r = NewRegistry();
        r.Config.ConfigFile = path;
        ConfigFile.LoadFromText(r, Encoding.UTF8.GetBytes("port 7001\nsave 900 1\nsave 300 10\nhash-max-ziplist-entries 64\n"));
        Assert.That(r.Rewrite(), Is.Null);
        Assert.That(File.ReadAllText(path), Does.StartWith(
            "port 7001\n\nsave 900 1 300 10\n\n# ??? bogus \"x\nhash-max-listpack-entries 64\n# ??? unknown-thing 1\n\n# Generated by CONFIG REWRITE\n"));
    }

    [Test]
    public void RewriteDropsUnsetStringsAndDefaultBind()
    {
        string result = Rewrite("bind 127.0.0.1\nrequirepass secret\nlogfile \"\"\n", r =>
        {
            Assert.That(r.Set(Pairs("bind", string.Join(' ', new ServerConfig().Bind), "requirepass", ""), true), Is.Null);
        });
        Assert.That(result, Does.StartWith("\nlogfile \"\"\n"));
        Assert.That(result, Does.Not.Contain("bind").And.Not.Contain("requirepass"));
    }

    [Test]
    public void RewriteRoundTripsEveryParameter()
    {
        string path = WriteFile("all.conf", "");
        var r = NewRegistry();
        r.LoadStartup([path]);
        Assert.That(r.Set(Pairs("maxmemory", "3kb", "requirepass", "p \"w\"", "bind", "127.0.0.1 ::1", "save", "", "hz", "20",
            "maxmemory-policy", "allkeys-lru"), true), Is.Null);
        Assert.That(r.Rewrite(forceAll: true), Is.Null);
        var reloaded = NewRegistry();
        reloaded.LoadStartup([path]);
        Assert.That(Get(reloaded, "*"), Is.EqualTo(Get(r, "*")));
    }

    [Test]
    public void RewriteOfAMissingFileCreatesIt()
    {
        string path = Path.Combine(_dir, "new.conf");
        var r = NewRegistry();
        r.Config.ConfigFile = path;
        Assert.That(r.Set(Pairs("port", "7777"), true), Is.Null);
        Assert.That(r.Rewrite(), Is.Null);
        Assert.That(File.ReadAllText(path), Does.StartWith("# Generated by CONFIG REWRITE\nport 7777\n"));
    }

    [Test]
    public void RewriteFailureReportsTheReason()
    {
        var r = NewRegistry();
        r.Config.ConfigFile = Path.Combine(_dir, "no-such-dir", "x.conf");
        Assert.That(r.Rewrite(), Is.EqualTo("No such file or directory"));
    }
}
