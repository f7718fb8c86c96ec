using System.Runtime.InteropServices;
using Valkey.Native.Networking;

namespace Valkey.Native.Server;

/// <summary>Entry point: <c>valkey-native [config-file] [--name value ...]</c>, as valkey-server.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] is "-v" or "--version")
        {
            Console.WriteLine($"Valkey server v={ServerContext.Version} sha=00000000:0 malloc=arena bits=64 build=valkey-native");
            return 0;
        }
        if (args.Length >= 1 && args[0] == "check-rdb") return Persistence.CheckRdb.Run(args[1..]);
        if (args.Length >= 1 && args[0] == "check-aof") return Persistence.AofCheck.Run(args[1..]);
        if (args.Length == 1 && args[0] is "-h" or "--help")
        {
            Console.Write(UsageText);
            return 0;
        }

        var config = new ServerConfig();
        var registry = new ConfigRegistry(config);
        try
        {
            registry.LoadStartup(args);
        }
        catch (ConfigFileException e)
        {
            Console.Error.Write(e.Message);
            return 1;
        }

        var log = new Log { Level = config.LogLevel, File = config.LogFile };
        log.Notice("oO0OoO0OoO0Oo Valkey.Native is starting oO0OoO0OoO0Oo");
        log.Notice($"Valkey.Native version={ServerContext.Version}, bits=64, commit=00000000, modified=0, pid={Environment.ProcessId}, just started");
        if (config.ConfigFile.Length == 0)
            log.Warning("Warning: no config file specified, using the default config. In order to specify a config file use valkey-native /path/to/valkey.conf");
        else
            log.Notice("Configuration loaded");

        try
        {
            ServerContext.AdjustOpenFilesLimit(config, log);
        }
        catch (InvalidOperationException)
        {
            return 1;
        }
        using var server = new ServerContext(config, log) { ConfigRegistry = registry };
        registry.Server = server;
        try
        {
            server.Listen();
        }
        catch (Exception e) when (e is InvalidOperationException or System.Net.Sockets.SocketException or IOException or FormatException)
        {
            log.Warning(e.Message);
            return 1;
        }
        log.Notice($"Running mode=standalone, port={config.Port}.");
        log.Notice($"Event loop backend: {server.Loop.BackendName}");
        WritePidFile(config, log);

        OomScoreAdj.Apply(config, log); // failures are logged; the server runs on, as Valkey's main
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; server.RequestShutdown("SIGTERM"); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; server.RequestShutdown("SIGINT"); });
        SetupSignalDispositions();

        log.Notice("Server initialized");
        // Load dbfilename before serving (clients that connect meanwhile wait in the backlog until it is done).
        // With appendonly yes the AOF is the dataset (as Valkey's loadDataFromDisk: no RDB fallback).
        if (config.AppendOnly)
        {
            string? aofError = server.Aof.LoadAtStartup() ?? server.Aof.OpenAtStartup();
            if (aofError != null)
            {
                log.Warning(aofError);
                return 1;
            }
        }
        else if (server.Persistence.LoadAtStartup() != null) return 1;
        log.Notice("Ready to accept connections tcp");
        if (config.UnixSocket.Length > 0) log.Notice("Ready to accept connections unix");
        server.Run();
        return 0;
    }

    /// <summary>
    /// Valkey's setupSignalHandlers: SIGTERM and SIGINT always shut down, even when inherited as ignored
    /// (`server &amp;` from a non-interactive shell ignores SIGINT). The runtime leaves an inherited SIG_IGN
    /// in place even for a registered signal, so after registering, an ignored one gets the runtime's
    /// dispatcher copied from a handled signal (all of them share it). SIGHUP and SIGPIPE are ignored.
    /// </summary>
    private static unsafe void SetupSignalDispositions()
    {
        if (!OperatingSystem.IsLinux()) return;
        const int SigHup = 1, SigInt = 2, SigPipe = 13, SigTerm = 15, SigCont = 18;
        const nint sigDfl = 0, sigIgn = 1;
        const int ActionSize = 512; // larger than any libc's struct sigaction; the handler comes first
        byte* donor = stackalloc byte[ActionSize];
        byte* current = stackalloc byte[ActionSize];
        bool haveDonor = false;
        foreach (int sig in (ReadOnlySpan<int>)[SigTerm, SigInt, SigCont])
        {
            if (LibC.SigAction(sig, null, donor) == 0 && *(nint*)donor is not (sigDfl or sigIgn)) { haveDonor = true; break; }
        }
        foreach (int sig in (ReadOnlySpan<int>)[SigInt, SigTerm])
        {
            if (LibC.SigAction(sig, null, current) != 0 || *(nint*)current != sigIgn) continue;
            if (haveDonor) LibC.SigAction(sig, donor, null);
            else LibC.Signal(sig, sigDfl); // no dispatcher to borrow: at least let the signal stop the process
        }
        LibC.Signal(SigHup, sigIgn);
        LibC.Signal(SigPipe, sigIgn);
    }

    private static void WritePidFile(ServerConfig config, Log log)
    {
        if (config.PidFile.Length == 0) return;
        try
        {
            File.WriteAllText(config.PidFile, Environment.ProcessId + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning($"Failed to write PID file: {e.Message}");
        }
    }

    private const string UsageText =
        "Usage: ./valkey-native [/path/to/valkey.conf] [options] [-]\n" +
        "       ./valkey-native - (read config from stdin)\n" +
        "       ./valkey-native -v or --version\n" +
        "       ./valkey-native -h or --help\n\n" +
        "Examples:\n" +
        "       ./valkey-native (run the server with default conf)\n" +
        "       ./valkey-native /etc/valkey/6379.conf\n" +
        "       ./valkey-native --port 7777\n" +
        "       ./valkey-native /etc/myvalkey.conf --loglevel verbose -\n" +
        "       ./valkey-native /etc/myvalkey.conf --loglevel verbose\n";
}
