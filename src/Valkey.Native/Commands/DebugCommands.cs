using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Valkey.Native.Storage;
using Valkey.Native.Util;

namespace Valkey.Native.Commands;

/// <summary>
/// DEBUG: the testing and introspection hooks Valkey's own test suite relies on, allowed only
/// when enable-debug-command is "yes" (or "local" for loopback and Unix-socket clients).
/// Subcommands that need persistence, replication or crash handling reply an error.
/// </summary>
public static unsafe class DebugCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("debug", -2, CommandFlags.Admin | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Protected, AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous, Debug)
        {
            Group = "server", Summary = "A container for debugging commands.", Since = "1.0.0", Complexity = "Depends on subcommand.",
            DocFlags = DocFlags.SysCmd,
        },
    ];

    private static readonly string[] HelpLines =
    [
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance.",
        "    Dangerous: should be used only for testing the replication subsystem.",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "ERROR <string>",
        "    Return a RESP protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate error replies.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "HTSTATS <dbid> [full]",
        "    Return hash table statistics of the specified database.",
        "HTSTATS-KEY <key> [full]",
        "    Like HTSTATS but for the hash table stored at <key>'s value.",
        "OBJECT <key> [fast]",
        "    Show low level info about `key` and associated value.",
        "    Some fields of the default behavior may be time consuming to fetch,",
        "    and `fast` can be passed to avoid fetching them.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. These are not propagated to",
        "    replicas. Cluster slots are not respected so keys not belonging to the",
        "    current node can be created in cluster mode.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the behavior). Setting it to 1 reenables back the",
        "    default.",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    Sets the threshold for elements to be inserted as plain vs packed nodes",
        "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        "STRINGMATCH-TEST",
        "    Run a fuzz tester against the stringmatchlen() function.",
        "LISTPACK <key>",
        "    Show low level info about the listpack encoding of <key>.",
        "QUICKLIST <key> [<0|1>]",
        "    Show low level info about the quicklist encoding of <key>.",
        "    The optional argument (0 by default) sets the level of detail",
        "CLIENT-EVICTION",
        "    Show low level client eviction pools info (maxmemory-clients).",
        "PAUSE-CRON <0|1>",
        "    Stop periodic cron job processing.",
        "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
        "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
        "    In case NEVER is provided the last observed peak will never be reset",
        "    In case RESET is provided the peak reset time will be restored to the default value",
        "REPLYBUFFER RESIZING <0|1>",
        "    Enable or disable the reply buffer resize cron job",
        "DICT-RESIZING <0|1>",
        "    Enable or disable the main dict and expire dict resizing.",
    ];

    /// <summary>enable-debug-command: "yes", or "local" for connections from this host.</summary>
    private static bool IsAllowed(CommandContext ctx)
    {
        string setting = ctx.Server.Config.EnableDebugCommand;
        if (setting.Equals("yes", StringComparison.OrdinalIgnoreCase)) return true;
        return setting.Equals("local", StringComparison.OrdinalIgnoreCase) && ctx.Client.IsLoopback;
    }

    private static void Debug(CommandContext ctx)
    {
        if (!IsAllowed(ctx))
        {
            ctx.Reply.AddError(ErrorMessages.DebugDisabled);
            return;
        }
        int argc = ctx.ArgCount;
        if (argc == 2 && ctx.ArgIs(1, "help"u8)) ctx.ReplyHelpWithHeader(HelpLines);
        else if (ctx.ArgIs(1, "sleep"u8) && argc == 3) Sleep(ctx);
        else if (ctx.ArgIs(1, "set-active-expire"u8) && argc == 3)
        {
            ctx.Server.ActiveExpireEnabled = Atoi(ctx.Arg(2)) != 0;
            ctx.Reply.AddOk();
        }
        else if (ctx.ArgIs(1, "aof-flush-sleep"u8) && argc == 3)
        {
            // Microseconds slept before each AOF write (tests of the fsync-always reply barrier).
            ctx.Server.Aof.FlushSleepMicros = Atoi(ctx.Arg(2));
            ctx.Reply.AddOk();
        }
        else if (ctx.ArgIs(1, "pause-cron"u8) && argc == 3)
        {
            ctx.Server.CronPaused = Atoi(ctx.Arg(2)) != 0;
            ctx.Reply.AddOk();
        }
        else if (ctx.ArgIs(1, "log"u8) && argc == 3)
        {
            ctx.Server.Log.Warning("DEBUG LOG: " + ctx.ArgString(2));
            ctx.Reply.AddOk();
        }
        else if (ctx.ArgIs(1, "object"u8) && (argc == 3 || argc == 4)) DebugObject(ctx);
        else if (ctx.ArgIs(1, "populate"u8) && argc >= 3 && argc <= 5) Populate(ctx);
        else if (ctx.ArgIs(1, "digest"u8) && argc == 2) Digest(ctx);
        else if (ctx.ArgIs(1, "digest-value"u8)) DigestValue(ctx);
        else if (ctx.ArgIs(1, "protocol"u8) && argc == 3) Protocol(ctx);
        else if (ctx.ArgIs(1, "error"u8) && argc == 3) ErrorReply(ctx);
        else if (ctx.ArgIs(1, "change-repl-id"u8) && argc == 2)
        {
            ctx.Server.Log.Notice("Changing replication IDs after receiving DEBUG change-repl-id");
            ServerCommands.StateOf(ctx.Server).ChangeReplicationId();
            ctx.Reply.AddOk();
        }
        else if (ctx.ArgIs(1, "quicklist-packed-threshold"u8) && argc == 3)
        {
            // Valkey refuses sizes at or above 4GB - 1MB; 0 restores the default.
            if (!TryParseMemory(ctx.Arg(2), out long size) || size > (1L << 32) - (1 << 20))
            {
                ctx.Reply.AddError("ERR argument must be a memory value bigger than 1 and smaller than 4gb"u8);
                return;
            }
            ctx.Server.QuicklistPackedThreshold = size == 0 ? ListLimits.NoPackedThreshold : size;
            ctx.Reply.AddOk();
        }
        else if (ctx.ArgIs(1, "listpack"u8) && argc == 3) EncodingDump(ctx, ValueEncoding.ListPack, "Not a listpack encoded object.", "Listpack structure printed on stdout");
        else if (ctx.ArgIs(1, "quicklist"u8) && (argc == 3 || argc == 4)) EncodingDump(ctx, ValueEncoding.QuickList, "Not a quicklist encoded object.", "Quicklist structure printed on stdout");
        else if (ctx.ArgIs(1, "stringmatch-test"u8) && argc == 2) StringMatchTest(ctx);
        else if (ctx.ArgIs(1, "reload"u8)) Reload(ctx);
        else if (ctx.ArgIs(1, "set-skip-checksum-validation"u8) && argc == 3)
        {
            // RESTORE payloads and RDB files are then accepted whatever their CRC64 (tests of corrupt data).
            Persistence.RdbLoader.SkipChecksumValidation = Atoi(ctx.Arg(2)) != 0;
            ctx.Reply.AddOk();
        }
        else if (ctx.ArgIs(1, "config-rewrite-force-all"u8) && argc == 2) ConfigRewriteForceAll(ctx);
        else if (ctx.ArgIs(1, "htstats"u8) && argc >= 3) DebugHashTables.HtStats(ctx);
        else if (ctx.ArgIs(1, "htstats-key"u8) && argc >= 3) DebugHashTables.HtStatsKey(ctx);
        else if (ctx.ArgIs(1, "dict-resizing"u8) && argc == 3) DebugHashTables.DictResizing(ctx, Atoi(ctx.Arg(2)) != 0);
        else if (ctx.ArgIs(1, "client-eviction"u8) && argc == 2) DebugHashTables.ClientEviction(ctx);
        else if (ctx.ArgIs(1, "replybuffer"u8) && argc == 4) DebugHashTables.ReplyBuffer(ctx);
        else if (ctx.ArgIs(1, "loadaof"u8))
        {
            // Flush, empty and load the AOF directory again (Persistence/AofLoader.cs).
            if (ctx.Server.Aof.DebugLoadAof(ctx.Client) is { } error) ctx.Reply.AddError("ERR Error loading the AOF: " + error);
            else ctx.Reply.AddOk();
        }
        else ctx.ReplySubcommandSyntaxError();
    }

    /// <summary>DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty, load again (Persistence/RdbPersistence.cs).</summary>
    private static void Reload(CommandContext ctx)
    {
        bool merge = false, noFlush = false, noSave = false;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "merge"u8)) merge = true;
            else if (ctx.ArgIs(i, "noflush"u8)) noFlush = true;
            else if (ctx.ArgIs(i, "nosave"u8)) noSave = true;
            else
            {
                ctx.Reply.AddError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."u8);
                return;
            }
        }
        string? error = ctx.Server.Persistence.DebugReload(merge, noFlush, noSave, ctx.Client);
        if (error == null) ctx.Reply.AddOk();
        else ctx.Reply.AddError(error);
    }

    /// <summary>DEBUG CONFIG-REWRITE-FORCE-ALL: CONFIG REWRITE writing every parameter, defaults included.</summary>
    private static void ConfigRewriteForceAll(CommandContext ctx)
    {
        var registry = ctx.Server.ConfigRegistry;
        string? error = registry == null || registry.Config.ConfigFile.Length == 0
            ? "The server is running without a config file"
            : registry.Rewrite(forceAll: true);
        if (error == null) ctx.Reply.AddOk();
        else ctx.Reply.AddError("ERR CONFIG-REWRITE-FORCE-ALL failed: " + error);
    }

    /// <summary>Blocks the event loop (tests use it to build up pipelines and timeouts); fractional seconds allowed.</summary>
    private static void Sleep(CommandContext ctx)
    {
        // strtod semantics: garbage reads as 0.
        if (!NumberParser.TryParseDouble(ctx.Arg(2), out double seconds) || double.IsNaN(seconds) || seconds < 0) seconds = 0;
        long us = (long)Math.Min(seconds * 1_000_000, int.MaxValue * 1000.0);
        if (us > 0) Thread.Sleep(TimeSpan.FromTicks(us * 10));
        ctx.Reply.AddOk();
    }

    /// <summary>C's atoi: optional sign and leading digits, anything else ends the number.</summary>
    internal static long Atoi(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t')) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
        long v = 0;
        while (i < s.Length && s[i] >= '0' && s[i] <= '9' && v < int.MaxValue) v = v * 10 + (s[i++] - '0');
        return negative ? -v : v;
    }

    /// <summary>Valkey's memtoull: digits with an optional b, k, kb, m, mb, g or gb unit.</summary>
    private static bool TryParseMemory(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        int digits = 0;
        while (digits < s.Length && s[digits] >= '0' && s[digits] <= '9') digits++;
        if (digits == 0) return false;
        var unit = Encoding.ASCII.GetString(s[digits..]).ToLowerInvariant();
        long multiplier = unit switch
        {
            "" or "b" => 1,
            "k" => 1000,
            "kb" => 1024,
            "m" => 1000 * 1000,
            "mb" => 1024 * 1024,
            "g" => 1000L * 1000 * 1000,
            "gb" => 1024L * 1024 * 1024,
            _ => 0,
        };
        if (multiplier == 0 || !long.TryParse(Encoding.ASCII.GetString(s[..digits]), out long n)) return false;
        value = n * multiplier;
        return true;
    }

    // ---- OBJECT ------------------------------------------------------------------------------

    /// <summary>DEBUG OBJECT key [fast]: low level facts about a value (the key may be logically expired).</summary>
    private static void DebugObject(CommandContext ctx)
    {
        bool fast = ctx.ArgCount == 4 && ctx.ArgIs(3, "fast"u8);
        byte* entry = ctx.Db.Table.Find(ctx.Arg(2));
        if (entry == null)
        {
            ctx.Reply.AddError(ErrorMessages.NoSuchKey);
            return;
        }
        ValueHeader* h = Database.Header(entry);
        uint lru = h->AccessClock;
        var sb = new StringBuilder(160);
        sb.Append("Value at:0x").Append(((ulong)h).ToString("x"));
        sb.Append(" refcount:1 encoding:").Append(ValueNames.EncodingName(h->Encoding));
        if (!fast) sb.Append(" serializedlength:").Append(SerializedLength(ctx, h));
        sb.Append(" lru:").Append(lru & 0xFFFFFF);
        sb.Append(" lru_seconds_idle:").Append(IdleSeconds(ctx.Keyspace.LruClock, lru & 0xFFFFFF));
        sb.Append(" lfu_freq:").Append(LfuFrequency(ctx.Keyspace.NowMs, lru));
        sb.Append(" lfu_access_time_minutes:").Append(lru >> 8);
        if (h->Encoding == ValueEncoding.QuickList) AppendQuicklistFacts(ctx, h, fast, sb);
        ctx.Reply.AddSimpleString(sb.ToString());
    }

    /// <summary>
    /// The quicklist fields of DEBUG OBJECT. Valkey reports the fill and compress depth the list was
    /// created with; a list here keeps its compress depth but not its fill (the current one is reported).
    /// </summary>
    private static void AppendQuicklistFacts(CommandContext ctx, ValueHeader* h, bool fast, StringBuilder sb)
    {
        long nodes = ListValue.NodeCount(h);
        double average = nodes == 0 ? 0 : (double)ListValue.Length(h) / nodes;
        sb.Append(" ql_nodes:").Append(nodes);
        sb.Append(" ql_avg_node:").Append(average.ToString("F2", System.Globalization.CultureInfo.InvariantCulture));
        sb.Append(" ql_listpack_max:").Append(ctx.Server.Config.ListMaxListpackSize);
        sb.Append(" ql_compressed:").Append(ListValue.DepthOf(h) != 0 ? 1 : 0);
        if (!fast) sb.Append(" ql_uncompressed_size:").Append(ListValue.ListpackBytes(h));
    }

    /// <summary>estimateObjectIdleTime: the 24-bit LRU clock wraps, in seconds.</summary>
    private static long IdleSeconds(uint now, uint lru) =>
        now >= lru ? now - lru : now + (0xFFFFFF - lru);

    /// <summary>LFUDecrAndReturn with the default lfu-decay-time of 1 minute.</summary>
    private static long LfuFrequency(long nowMs, uint lru)
    {
        long counter = lru & 0xFF;
        long lastMinutes = lru >> 8;
        long nowMinutes = (nowMs / 60000) & 0xFFFF;
        long elapsed = nowMinutes >= lastMinutes ? nowMinutes - lastMinutes : 65535 - lastMinutes + nowMinutes;
        return elapsed > counter ? 0 : counter - elapsed;
    }

    /// <summary>
    /// The value's size in an RDB file (rdbSavedObjectLen), without LZF compression: strings use
    /// the integer encodings where Valkey would; hashes are an estimate (no RDB writer exists yet).
    /// </summary>
    private static long SerializedLength(CommandContext ctx, ValueHeader* h)
    {
        if (h->Type == DataType.String)
        {
            Span<byte> scratch = stackalloc byte[24];
            var bytes = StringValue.Read(h, scratch);
            return RdbStringLength(bytes);
        }
        if (h->Type == DataType.Hash)
        {
            var sizer = new HashSizer();
            HashValue.ForEach(ctx.Keyspace, h, ref sizer);
            // A listpack is saved as one blob (entries plus a small header); a table as a count then strings.
            return h->Encoding == ValueEncoding.ListPack
                ? RdbLengthPrefix(sizer.ListpackBytes + 7) + sizer.ListpackBytes + 7
                : RdbLengthPrefix(sizer.Count) + sizer.StringBytes;
        }
        return 0;
    }

    private struct HashSizer : IHashVisitor
    {
        public long Count, StringBytes, ListpackBytes;

        public void Visit(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
        {
            Count++;
            StringBytes += RdbStringLength(field) + RdbStringLength(value);
            ListpackBytes += field.Length + value.Length + 4;
        }
    }

    private static long RdbStringLength(ReadOnlySpan<byte> s)
    {
        // Short strings that are canonical integers are saved as 8/16/32-bit integers.
        if (s.Length <= 11 && NumberParser.TryParseInt64(s, out long v))
        {
            if (v >= sbyte.MinValue && v <= sbyte.MaxValue) return 2;
            if (v >= short.MinValue && v <= short.MaxValue) return 3;
            if (v >= int.MinValue && v <= int.MaxValue) return 5;
        }
        return RdbLengthPrefix(s.Length) + s.Length;
    }

    private static long RdbLengthPrefix(long length) => length < 64 ? 1 : length < 16384 ? 2 : length <= uint.MaxValue ? 5 : 9;

    /// <summary>DEBUG LISTPACK / QUICKLIST: the dump goes to the log; the reply only says so.</summary>
    private static void EncodingDump(CommandContext ctx, ValueEncoding wanted, string wrongEncoding, string done)
    {
        byte* entry = ctx.Db.Lookup(ctx.Arg(2), LookupFlags.NoTouch | LookupFlags.NoStats);
        if (entry == null)
        {
            ctx.Reply.AddError(ErrorMessages.NoSuchKey);
            return;
        }
        ValueHeader* h = Database.Header(entry);
        if (h->Encoding != wanted)
        {
            ctx.Reply.AddError("ERR " + wrongEncoding);
            return;
        }
        ctx.Server.Log.Notice($"{ValueNames.EncodingName(wanted)} of key '{ctx.ArgString(2)}': type {ValueNames.TypeName(h->Type)}");
        ctx.Reply.AddSimpleString(done);
    }

    // ---- POPULATE --------------------------------------------------------------------------------

    /// <summary>DEBUG POPULATE count [prefix] [size]: string keys "prefix:N" = "value:N" (padded/truncated to size); existing keys are kept.</summary>
    private static void Populate(CommandContext ctx)
    {
        const string positive = "ERR value is out of range, must be positive";
        if (!NumberParser.TryParseInt64(ctx.Arg(2), out long count) || count < 0)
        {
            ctx.Reply.AddError(positive);
            return;
        }
        long size = 0;
        if (ctx.ArgCount == 5 && (!NumberParser.TryParseInt64(ctx.Arg(4), out size) || size < 0))
        {
            ctx.Reply.AddError(positive);
            return;
        }
        string prefix = ctx.ArgCount >= 4 ? ctx.ArgString(3) : "key";
        var db = ctx.Db;
        byte[] padded = size > 0 ? new byte[size] : [];
        for (long j = 0; j < count; j++)
        {
            byte[] key = Encoding.UTF8.GetBytes($"{prefix}:{j}");
            if (db.LookupWrite(key) != null) continue;
            byte[] value = Encoding.ASCII.GetBytes($"value:{j}");
            if (size > 0)
            {
                Array.Clear(padded);
                value.AsSpan(0, (int)Math.Min(value.Length, size)).CopyTo(padded);
                value = padded;
            }
            db.SetString(key, value);
            ctx.Server.KeyModified(db, key);
        }
        ctx.Reply.AddOk();
    }

    // ---- DIGEST ------------------------------------------------------------------------------------

    /// <summary>
    /// DEBUG DIGEST: Valkey's order-independent dataset digest. Each non-empty database mixes in
    /// its id; each key contributes SHA1-mix(key) then its value digest, whose SHA1 is XORed into the total.
    /// An empty dataset gives forty zeros.
    /// </summary>
    private static void Digest(CommandContext ctx)
    {
        var final = new byte[20];
        Span<byte> id = stackalloc byte[4];
        foreach (var db in ctx.Keyspace.Databases)
        {
            if (db.Count == 0) continue;
            BinaryPrimitives.WriteInt32BigEndian(id, db.Id);
            MixDigest(final, id);
            var visitor = new DigestVisitor(ctx.Keyspace, final);
            db.Table.ForEach(ref visitor);
        }
        ctx.Reply.AddSimpleString(Convert.ToHexString(final).ToLowerInvariant());
    }

    private readonly struct DigestVisitor(Keyspace keyspace, byte[] final) : IKeyTableVisitor
    {
        public void Visit(byte* entry)
        {
            var digest = new byte[20];
            MixDigest(digest, Database.KeyOf(entry));
            XorValueDigest(keyspace, Database.Header(entry), digest);
            // Valkey xorDigest()s the key-value digest into the total: final ^= SHA1(digest), not a plain XOR.
            XorDigest(final, digest);
        }
    }

    /// <summary>DEBUG DIGEST-VALUE key ...: the value digest of each key (zeros when missing).</summary>
    private static void DigestValue(CommandContext ctx)
    {
        ctx.Reply.AddArrayLength(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            var digest = new byte[20];
            // Logically expired keys still count: this is a debugging view of memory.
            byte* entry = ctx.Db.Table.Find(ctx.Arg(i));
            if (entry != null) XorValueDigest(ctx.Keyspace, Database.Header(entry), digest);
            ctx.Reply.AddSimpleString(Convert.ToHexString(digest).ToLowerInvariant());
        }
    }

    /// <summary>xorObjectDigest for the types that exist: the type, then the value, then a TTL marker.</summary>
    private static void XorValueDigest(Keyspace keyspace, ValueHeader* h, byte[] digest)
    {
        Span<byte> type = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(type, (int)h->Type);
        MixDigest(digest, type);
        if (h->Type == DataType.String)
        {
            Span<byte> scratch = stackalloc byte[24];
            MixDigest(digest, StringValue.Read(h, scratch));
        }
        else if (h->Type == DataType.Hash)
        {
            // Field order does not matter: each pair's digest is XORed in.
            var visitor = new HashDigestVisitor(digest);
            HashValue.ForEach(keyspace, h, ref visitor);
        }
        else if (h->Type == DataType.Set)
        {
            // Each member (integers as their text) is XORed in, so order does not matter.
            var visitor = new SetDigestVisitor(digest);
            SetValue.ForEach(keyspace, h, ref visitor);
        }
        else if (h->Type == DataType.List)
        {
            // Elements are mixed in order: a list's digest depends on its order.
            var visitor = new ListDigestVisitor(digest);
            ListValue.ForEach(h, ref visitor);
        }
        else if (h->Type == DataType.SortedSet)
        {
            // Each (member, score as fpconv_dtoa) pair is mixed on its own, then XORed in (SHA1 of it).
            var visitor = new SortedSetDigestVisitor(digest);
            SortedSetValue.ForEach(keyspace, h, ref visitor);
        }
        else if (h->Type == DataType.Stream)
        {
            // Entries in ID order, each mixed as "ms.seq" then its fields and values.
            Span<byte> idText = stackalloc byte[StreamId.MaxTextLength];
            var it = StreamValue.Iterate(h, StreamId.Min, StreamId.Max);
            while (it.MoveNext())
            {
                it.Id.Ms.TryFormat(idText, out int n);
                idText[n++] = (byte)'.';
                it.Id.Seq.TryFormat(idText[n..], out int m);
                MixDigest(digest, idText[..(n + m)]);
                while (it.NextField(out var field, out var value))
                {
                    MixDigest(digest, field);
                    MixDigest(digest, value);
                }
            }
        }
        if (ValueHeader.HasExpire(h)) XorDigest(digest, "!!expire!!"u8);
    }

    private readonly struct HashDigestVisitor(byte[] digest) : IHashVisitor
    {
        public void Visit(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
        {
            var element = new byte[20];
            MixDigest(element, field);
            MixDigest(element, value);
            // Like zset elements: the pair digest's SHA1 is XORed in (Valkey's xorDigest), not the digest itself.
            XorDigest(digest, element);
        }
    }

    private readonly struct SetDigestVisitor(byte[] digest) : ISetVisitor
    {
        public void Visit(ReadOnlySpan<byte> member) => XorDigest(digest, member);
    }

    private readonly struct ListDigestVisitor(byte[] digest) : IListVisitor
    {
        public void Visit(ReadOnlySpan<byte> element) => MixDigest(digest, element);
    }

    private readonly struct SortedSetDigestVisitor(byte[] digest) : ISortedSetVisitor
    {
        public void Visit(ReadOnlySpan<byte> member, double score)
        {
            var element = new byte[20];
            MixDigest(element, member);
            Span<byte> text = stackalloc byte[NumberFormatter.MaxDoubleLength + 8];
            MixDigest(element, text[..NumberFormatter.FormatDoubleFpconv(score, text)]);
            XorDigest(digest, element);
        }
    }

    /// <summary>digest ^= SHA1(data): order-independent accumulation.</summary>
    private static void XorDigest(byte[] digest, ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(data, hash);
        for (int i = 0; i < 20; i++) digest[i] ^= hash[i];
    }

    /// <summary>digest = SHA1(digest ^ SHA1(data)): order-dependent, so "ab","c" differs from "a","bc".</summary>
    private static void MixDigest(byte[] digest, ReadOnlySpan<byte> data)
    {
        XorDigest(digest, data);
        SHA1.HashData(digest, digest);
    }

    // ---- PROTOCOL / ERROR ---------------------------------------------------------------------------

    /// <summary>DEBUG PROTOCOL type: one sample reply of each RESP type (client library tests).</summary>
    private static void Protocol(CommandContext ctx)
    {
        var reply = ctx.Reply;
        var name = ctx.Arg(2);
        if (CommandContext.AsciiEqualsIgnoreCase(name, "string"u8)) reply.AddBulk("Hello World"u8);
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "integer"u8)) reply.AddInteger(12345);
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "double"u8)) reply.AddDouble(3.141);
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "bignum"u8)) reply.AddBigNumber("1234567999999999999999999999999999999"u8);
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "null"u8)) reply.AddNull();
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "array"u8))
        {
            reply.AddArrayLength(3);
            for (int j = 0; j < 3; j++) reply.AddInteger(j);
        }
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "set"u8))
        {
            reply.AddSetLength(3);
            for (int j = 0; j < 3; j++) reply.AddInteger(j);
        }
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "map"u8))
        {
            reply.AddMapLength(3);
            for (int j = 0; j < 3; j++)
            {
                reply.AddInteger(j);
                reply.AddBool(j == 1);
            }
        }
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "attrib"u8))
        {
            // Attributes exist only in RESP3; a real reply always follows them.
            if (reply.Protocol >= 3)
            {
                reply.AddAttributeLength(1);
                reply.AddBulk("key-popularity"u8);
                reply.AddArrayLength(2);
                reply.AddBulk("key:123"u8);
                reply.AddInteger(90);
            }
            reply.AddBulk("Some real reply following the attribute"u8);
        }
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "push"u8))
        {
            if (reply.Protocol < 3)
            {
                reply.AddError("ERR RESP2 is not supported by this command"u8);
                return;
            }
            reply.AddPushLength(2);
            reply.AddBulk("server-cpu-usage"u8);
            reply.AddInteger(42);
            // A push is out of band: a normal reply follows so the caller's request gets its answer.
            reply.AddBulk("Some real reply following the push reply"u8);
        }
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "true"u8)) reply.AddBool(true);
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "false"u8)) reply.AddBool(false);
        else if (CommandContext.AsciiEqualsIgnoreCase(name, "verbatim"u8)) reply.AddVerbatim("This is a verbatim\nstring"u8);
        else reply.AddError("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"u8);
    }

    /// <summary>DEBUG ERROR text: "-text" verbatim (CR/LF made spaces); not counted in errorstats, as Valkey.</summary>
    private static void ErrorReply(CommandContext ctx)
    {
        var text = ctx.Arg(2);
        var raw = new byte[text.Length + 3];
        raw[0] = (byte)'-';
        for (int i = 0; i < text.Length; i++) raw[i + 1] = text[i] is (byte)'\r' or (byte)'\n' ? (byte)' ' : text[i];
        raw[^2] = (byte)'\r';
        raw[^1] = (byte)'\n';
        ctx.Reply.AddRaw(raw);
    }

    /// <summary>DEBUG STRINGMATCH-TEST: random patterns and strings through the glob matcher; passing means nothing threw or hung.</summary>
    private static void StringMatchTest(CommandContext ctx)
    {
        var rng = new Random();
        Span<byte> str = stackalloc byte[32];
        Span<byte> pat = stackalloc byte[32];
        for (int cycle = 0; cycle < 1_000_000; cycle++)
        {
            int strLen = rng.Next(32), patLen = rng.Next(32);
            for (int j = 0; j < strLen; j++) str[j] = (byte)rng.Next(128);
            for (int j = 0; j < patLen; j++) pat[j] = (byte)rng.Next(128);
            GlobMatcher.IsMatch(pat[..patLen], str[..strLen]);
        }
        ctx.Reply.AddSimpleString("Apparently the server did not crash: test passed"u8);
    }
}
