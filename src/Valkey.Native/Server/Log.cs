using System.Diagnostics;

namespace Valkey.Native.Server;

public enum LogLevel { Debug = 0, Verbose = 1, Notice = 2, Warning = 3, Nothing = 4 }

/// <summary>
/// Server log in Valkey's legacy line format: "pid:M 23 Nov 2026 22:20:00.123 * message",
/// with the level characters ". - * #". Writes to stdout or to <c>logfile</c>, reopening the
/// file on every line so log rotation works as in Valkey.
/// </summary>
public sealed class Log
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private readonly int _pid = Environment.ProcessId;
    private readonly object _gate = new();

    public LogLevel Level { get; set; } = LogLevel.Notice;
    /// <summary>Empty: standard output.</summary>
    public string File { get; set; } = "";
    /// <summary>'M' primary, 'S' replica, 'C' background writer.</summary>
    public char Role { get; set; } = 'M';

    public void Debug(string message) => Write(LogLevel.Debug, message);
    public void Verbose(string message) => Write(LogLevel.Verbose, message);
    public void Notice(string message) => Write(LogLevel.Notice, message);
    public void Warning(string message) => Write(LogLevel.Warning, message);

    public bool IsEnabled(LogLevel level) => level >= Level;

    public void Write(LogLevel level, string message)
    {
        if (level < Level || level == LogLevel.Nothing) return;
        var now = DateTime.Now;
        char mark = ".-*#"[(int)level];
        string line = $"{_pid}:{Role} {now.Day:00} {Months[now.Month - 1]} {now.Year} {now:HH:mm:ss.fff} {mark} {message}\n";
        WriteRaw(line);
    }

    /// <summary>Writes text without a prefix (the start-up banner).</summary>
    public void WriteRaw(string text)
    {
        lock (_gate)
        {
            try
            {
                if (File.Length == 0)
                {
                    Console.Out.Write(text);
                    Console.Out.Flush();
                }
                else
                {
                    System.IO.File.AppendAllText(File, text);
                }
            }
            catch (IOException)
            {
                // A log that cannot be written must not take the server down.
            }
        }
    }

    public static bool TryParseLevel(string text, out LogLevel level)
    {
        switch (text.ToLowerInvariant())
        {
            case "debug": level = LogLevel.Debug; return true;
            case "verbose": level = LogLevel.Verbose; return true;
            case "notice": level = LogLevel.Notice; return true;
            case "warning": level = LogLevel.Warning; return true;
            case "nothing": level = LogLevel.Nothing; return true;
            default: level = LogLevel.Notice; return false;
        }
    }

    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Verbose => "verbose",
        LogLevel.Notice => "notice",
        LogLevel.Warning => "warning",
        _ => "nothing",
    };
}
