using System.Diagnostics;
using System.Text;
using NUnit.Framework;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Integration;

/// <summary>
/// Start-up configuration: <c>valkey-native [config-file|-] [--name value ...]</c> as valkey-server,
/// and the exact fatal error (stderr, exit code 1) for a bad configuration.
/// </summary>
[TestFixture]
public class ConfigStartupTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "valkey-native-startup-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string WriteConf(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private sealed record RunResult(int ExitCode, string StdOut, string StdErr);

    /// <summary>Runs the binary to completion (it must exit by itself: these configurations are bad).</summary>
    private RunResult RunToExit(string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(ServerProcess.FindBinary())
        {
            WorkingDirectory = _dir,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin != null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(10_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"the server did not exit; stdout: {stdout.Result}");
        }
        return new RunResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Fatal(int line, string directive, string error) =>
        $"\n*** FATAL CONFIG FILE ERROR (Version 8.0.1) ***\nReading the configuration file, at line {line}\n>>> '{directive}'\n{error}\n";

    // ---- fatal errors --------------------------------------------------------------------

    [Test]
    public void BadOptionValue()
    {
        var r = RunToExit(null, "--port", "abc");
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.StdErr, Is.EqualTo(Fatal(2, "port \"abc\"", "argument couldn't be parsed into an integer")));
    }

    [Test]
    public void OptionValuesAreQuotedInTheReport()
    {
        var r = RunToExit(null, "--port", "6379", "6380");
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.StdErr, Is.EqualTo(Fatal(2, "port \"6379\" \"6380\"", "wrong number of arguments")));

        r = RunToExit(null, "--port", "--loglevel", "verbose");
        Assert.That(r.StdErr, Is.EqualTo(Fatal(2, "port \"--loglevel\" \"verbose\"", "wrong number of arguments")));

        r = RunToExit(null, "--logfile", "--my--log--file", "--loglevel", "--bla");
        Assert.That(r.StdErr, Does.Contain("'loglevel \"--bla\"'\nargument(s) must be one of the following"));
    }

    [Test]
    public void UnknownDirectiveInFile()
    {
        string conf = WriteConf("bad.conf", "# comment\nport 7000\nnot-a-directive yes\n");
        var r = RunToExit(null, conf);
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.StdErr, Is.EqualTo(Fatal(3, "not-a-directive yes", "Bad directive or wrong number of arguments")));
    }

    [Test]
    public void UnknownOption()
    {
        var r = RunToExit(null, "--invalid");
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.StdErr, Is.EqualTo(Fatal(2, "invalid", "Bad directive or wrong number of arguments")));
    }

    [Test]
    public void OptionLinesAreNumberedAfterTheFile()
    {
        string conf = WriteConf("ok.conf", "port 7000\ntimeout 5\n");
        var r = RunToExit(null, conf, "--maxmemory", "lots");
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.StdErr, Is.EqualTo(Fatal(4, "maxmemory \"lots\"", "argument must be a memory value")));
    }

    [Test]
    public void MissingConfigFile()
    {
        var r = RunToExit(null, "missing.conf");
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.StdErr, Is.EqualTo($"Fatal error, can't open config file '{Path.Combine(_dir, "missing.conf")}': No such file or directory\n"));
    }

    [Test]
    public void DaemonizeYesIsRefused()
    {
        var r = RunToExit(null, "--daemonize", "yes");
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.StdErr, Does.StartWith(Fatal(2, "daemonize \"yes\"", "daemonize yes is not supported")[..^1]));
    }

    [Test]
    public void ConfigFromStdin()
    {
        var r = RunToExit("timeout 1\nport nope\n", "-");
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.StdErr, Is.EqualTo(Fatal(2, "port nope", "argument couldn't be parsed into an integer")));
    }

    // ---- good configurations ---------------------------------------------------------------

    private static string Get(ServerProcess server, string name)
    {
        using var raw = server.CreateRawClient();
        string reply = raw.Execute("CONFIG", "GET", name);
        // *2 $len name $len value
        string[] parts = reply.Split("\r\n");
        Assert.That(parts[0], Is.EqualTo("*2"), reply);
        return parts[4];
    }

    [Test]
    public void FileThenOptionsLaterWins()
    {
        string inc = WriteConf("inc.conf", "maxmemory-policy allkeys-lru\n");
        string conf = WriteConf("server.conf",
            "# test server\ntimeout 30\nmaxmemory 1mb\nhz 20\ninclude " + inc + "\nloglevel \"verbose\"\nsave 900 1\n");
        using var server = ServerProcess.StartWithConfig(conf, "--maxmemory", "2mb", "--save", "100", "100", "--appendonly", "no",
            "--bind", "127.0.0.1", "-::1");
        Assert.That(Get(server, "timeout"), Is.EqualTo("30"));
        Assert.That(Get(server, "maxmemory"), Is.EqualTo("2097152"));
        Assert.That(Get(server, "hz"), Is.EqualTo("20"));
        Assert.That(Get(server, "maxmemory-policy"), Is.EqualTo("allkeys-lru"));
        Assert.That(Get(server, "loglevel"), Is.EqualTo("verbose"));
        Assert.That(Get(server, "save"), Is.EqualTo("900 1 100 100"));
        Assert.That(Get(server, "bind"), Is.EqualTo("127.0.0.1 -::1"));
    }

    [Test]
    public void EmptySaveAndOneArgumentOptions()
    {
        using var server = ServerProcess.Start("--save", "", "--maxmemory 700mb", "--maxmemory-policy volatile-lru");
        Assert.That(Get(server, "save"), Is.EqualTo(""));
        Assert.That(Get(server, "maxmemory"), Is.EqualTo("734003200"));
        Assert.That(Get(server, "maxmemory-policy"), Is.EqualTo("volatile-lru"));
    }

    [Test]
    public void BareSaveBeforeAnotherOption()
    {
        using var server = ServerProcess.Start("--save", "--loglevel", "verbose");
        Assert.That(Get(server, "save"), Is.EqualTo(""));
        Assert.That(Get(server, "loglevel"), Is.EqualTo("verbose"));
    }

    [Test]
    public void DirDirectiveChangesTheWorkingDirectory()
    {
        string data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        using var server = ServerProcess.Start("--dir", data);
        Assert.That(Get(server, "dir"), Is.EqualTo(data));
    }
}
