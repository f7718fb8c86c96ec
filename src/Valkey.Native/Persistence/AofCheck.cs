namespace Valkey.Native.Persistence;

/// <summary>
/// <c>valkey-native check-aof [--fix] FILE|MANIFEST</c>, as valkey-check-aof: checks one AOF file, or
/// every file a manifest names (RDB bases with the RDB checker's loader in dry-run mode). A torn end
/// of the last file (or a MULTI without EXEC) can be cut off with --fix; other damage only reported.
/// Exit code 0 when everything is valid (or was fixed), 1 otherwise.
/// </summary>
public static class AofCheck
{
    public static int Run(string[] args)
    {
        bool fix = false;
        string? target = null;
        foreach (string a in args)
        {
            if (a == "--fix") fix = true;
            else if (target == null) target = a;
            else return Usage();
        }
        if (target == null) return Usage();
        if (!File.Exists(target))
        {
            Console.WriteLine($"Cannot open file {target}: No such file or directory");
            return 1;
        }
        if (target.EndsWith(AofManifest.ManifestSuffix, StringComparison.Ordinal)) return CheckManifest(target, fix);
        var (ok, _) = CheckFile(target, fix, isLast: true);
        return ok ? 0 : 1;
    }

    private static int Usage()
    {
        Console.WriteLine("Usage: valkey-native check-aof [--fix] <file.manifest|file.aof>");
        return 1;
    }

    private static int CheckManifest(string path, bool fix)
    {
        Console.WriteLine("Start checking Multi Part AOF");
        AofManifest manifest;
        try
        {
            manifest = AofManifest.Parse(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            Console.WriteLine($"Invalid AOF manifest file format: {e.Message}");
            return 1;
        }
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var files = manifest.LoadOrder().ToList();
        for (int i = 0; i < files.Count; i++)
        {
            string file = Path.Combine(dir, files[i].Name);
            if (!File.Exists(file))
            {
                Console.WriteLine($"AOF file {files[i].Name} doesn't exist");
                return 1;
            }
            string kind = files[i].Type == AofFileType.Base ? "BASE" : "INCR";
            Console.WriteLine($"Start to check {kind} AOF ({(IsRdb(file) ? "RDB" : "RESP")} format).");
            var (ok, _) = CheckFile(file, fix, isLast: i == files.Count - 1);
            if (!ok) return 1;
        }
        Console.WriteLine("All AOF files and manifest are valid");
        return 0;
    }

    private static bool IsRdb(string file)
    {
        using var fs = File.OpenRead(file);
        Span<byte> magic = stackalloc byte[6];
        int got = fs.Read(magic);
        return AofPersistence.IsRdbMagic(magic[..got]);
    }

    private static (bool Ok, long ValidUpTo) CheckFile(string file, bool fix, bool isLast)
    {
        long size = new FileInfo(file).Length;
        if (size > 0 && IsRdb(file))
        {
            try
            {
                using var fs = File.OpenRead(file);
                RdbLoader.Load(fs, size, null, new RdbLoadOptions { DryRun = true });
                Console.WriteLine($"RDB preamble is OK, proceeding with AOF tail...");
                Console.WriteLine($"AOF analyzed: filename={Path.GetFileName(file)}, size={size}, ok_up_to={size}, ok_up_to_line=0, diff=0");
                Console.WriteLine($"RDB file {Path.GetFileName(file)} is valid");
                return (true, size);
            }
            catch (Exception e) when (e is IOException or RdbFormatException)
            {
                Console.WriteLine($"RDB preamble of AOF file is not sane, aborting: {e.Message}");
                return (false, 0);
            }
        }
        long validUpTo, validBeforeMulti = -1;
        bool inMulti = false;
        AofReadStatus status;
        string error = "";
        using (var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            var reader = new AofReader(fs);
            while (true)
            {
                status = reader.Next();
                validUpTo = reader.ValidUpTo;
                if (status != AofReadStatus.Command) { error = reader.Error; break; }
                if (Commands.CommandContext.AsciiEqualsIgnoreCase(reader.Arg(0), "multi"u8))
                {
                    if (inMulti) { status = AofReadStatus.BadFormat; error = "Unexpected MULTI"; break; }
                    inMulti = true;
                    validBeforeMulti = validUpTo;
                }
                else if (Commands.CommandContext.AsciiEqualsIgnoreCase(reader.Arg(0), "exec"u8))
                {
                    if (!inMulti) { status = AofReadStatus.BadFormat; error = "Unexpected EXEC"; break; }
                    inMulti = false;
                }
            }
            if (status == AofReadStatus.End) validUpTo = reader.Position;
        }
        if (inMulti && status != AofReadStatus.BadFormat)
        {
            Console.WriteLine("Reached EOF before reading EXEC for MULTI");
            validUpTo = validBeforeMulti;
            status = AofReadStatus.Truncated;
        }
        long diff = size - validUpTo;
        Console.WriteLine($"AOF analyzed: filename={Path.GetFileName(file)}, size={size}, ok_up_to={validUpTo}, ok_up_to_line=0, diff={diff}");
        if (status == AofReadStatus.BadFormat)
        {
            Console.WriteLine($"0x{validUpTo:x}: {error}");
            Console.WriteLine($"AOF {Path.GetFileName(file)} format error");
            return (false, validUpTo);
        }
        if (diff == 0)
        {
            Console.WriteLine($"AOF {Path.GetFileName(file)} is valid");
            return (true, validUpTo);
        }
        if (!fix)
        {
            Console.WriteLine($"AOF {Path.GetFileName(file)} is not valid. Use the --fix option to try fixing it.");
            return (false, validUpTo);
        }
        if (!isLast)
        {
            Console.WriteLine($"AOF {Path.GetFileName(file)} is truncated but is not the last file: it can't be fixed");
            return (false, validUpTo);
        }
        Console.WriteLine($"This will shrink the AOF {Path.GetFileName(file)} from {size} bytes, with {diff} bytes, to {validUpTo} bytes");
        Console.Write("Continue? [y/N]: ");
        string? answer = Console.In.ReadLine();
        if (answer == null || !answer.StartsWith('y') && !answer.StartsWith('Y'))
        {
            Console.WriteLine("Aborting...");
            return (false, validUpTo);
        }
        using (var fs = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            fs.SetLength(validUpTo);
            fs.Flush(flushToDisk: true);
        }
        Console.WriteLine("Successfully truncated AOF " + Path.GetFileName(file));
        return (true, validUpTo);
    }
}
