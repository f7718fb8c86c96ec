namespace Valkey.Native.Persistence;

/// <summary><c>valkey-native check-rdb FILE</c>: valkey-check-rdb's report of a file, without loading it into a server.</summary>
public static class CheckRdb
{
    public static int Run(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("Usage: valkey-native check-rdb <rdb-file-name>");
            return 1;
        }
        string path = args[0];
        Console.WriteLine($"[offset 0] Checking RDB file {path}");
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            var result = RdbLoader.Load(file, file.Length, null, new RdbLoadOptions { DryRun = true, SkipExpired = true });
            Console.WriteLine($"[offset 9] RDB version {result.Version}");
            foreach (var (k, v) in result.Aux) Console.WriteLine($"[offset 0] AUX FIELD {k} = '{v}'");
            Console.WriteLine(result.ChecksumVerified ? $"[offset {file.Length}] Checksum OK" : $"[offset {file.Length}] RDB file was saved with checksum disabled: no check performed.");
            Console.WriteLine($"[offset {file.Length}] \\o/ RDB looks OK! \\o/");
            Console.WriteLine($"[info] {result.Keys} keys read");
            Console.WriteLine($"[info] {result.Expires} expires");
            Console.WriteLine($"[info] {result.ExpiredSkipped} already expired");
            foreach (var (type, count) in result.TypeCounts) Console.WriteLine($"[info] {count} keys of type {type}");
            return 0;
        }
        catch (Exception e) when (e is RdbFormatException or IOException or UnauthorizedAccessException)
        {
            Console.WriteLine("--- RDB ERROR DETECTED ---");
            Console.WriteLine($"[additional info] {e.Message}");
            return 1;
        }
    }
}
