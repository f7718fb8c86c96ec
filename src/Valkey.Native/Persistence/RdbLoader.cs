using System.Buffers.Binary;
using System.Text;
using Valkey.Native.Storage;
using Valkey.Native.Util;

namespace Valkey.Native.Persistence;

/// <summary>Encoding thresholds and clock the loader builds values with (from the server config).</summary>
public sealed record RdbLoadOptions
{
    public int HashMaxListpackEntries { get; init; } = 512;
    public int HashMaxListpackValue { get; init; } = 64;
    /// <summary>list-max-listpack-size, list-compress-depth and DEBUG QUICKLIST-PACKED-THRESHOLD of the loading server.</summary>
    public ListLimits ListLimits { get; init; } = ListLimits.Default;
    public SetLimits SetLimits { get; init; } = new(512, 128, 64);
    public SortedSetLimits ZsetLimits { get; init; } = new(128, 64);
    public long StreamNodeMaxBytes { get; init; } = 4096;
    public long StreamNodeMaxEntries { get; init; } = 100;
    /// <summary>Drop keys (and hash fields) whose TTL already passed, as a primary does when loading.</summary>
    public bool SkipExpired { get; init; } = true;
    /// <summary>Replace keys that exist (DEBUG RELOAD MERGE, RESTORE REPLACE); otherwise a duplicate is an error.</summary>
    public bool ReplaceExisting { get; init; }
    /// <summary>Only verify: parse everything, store nothing (check-rdb).</summary>
    public bool DryRun { get; init; }
    /// <summary>Called with (keys read, bytes read) every <see cref="ProgressEveryKeys"/> keys.</summary>
    public Action<long, long>? Progress { get; init; }
    /// <summary>1 with key-load-delay (the delay is per key); otherwise a batch keeps the per-key cost nil.</summary>
    public int ProgressEveryKeys { get; init; } = 1024;
    /// <summary>Sees every key as read (db, key, value, expire), before it is stored: check-rdb and tests.</summary>
    public Action<int, ReadOnlySpan<byte>, LoadedValue, long>? OnKey { get; init; }
}

/// <summary>One value as read from RDB, before it is built in the keyspace (RESTORE validates the whole payload first).</summary>
public sealed class LoadedValue
{
    public DataType Type;
    public byte RdbType;
    public byte[] Str = [];
    public readonly List<byte[]> Items = [];
    public readonly List<(byte[] Field, byte[] Value, long ExpireAtMs)> Fields = [];
    public readonly List<(byte[] Member, double Score)> Members = [];
    public LoadedStream? Stream;

    public void Clear()
    {
        Str = [];
        Stream = null;
        Items.Clear();
        Fields.Clear();
        Members.Clear();
    }
}

/// <summary>Statistics of a load (check-rdb and the log).</summary>
public sealed class RdbLoadResult
{
    public int Version;
    public long Keys;
    public long Expires;
    public long ExpiredSkipped;
    public readonly Dictionary<string, string> Aux = new(StringComparer.Ordinal);
    public readonly Dictionary<string, long> TypeCounts = new(StringComparer.Ordinal);
    /// <summary>Keys whose value had no elements, skipped (Valkey logs the first ten names).</summary>
    public long EmptyKeysSkipped;
    public readonly List<string> EmptyKeyNames = [];
    public bool ChecksumVerified;
}

/// <summary>
/// Valkey's rdbLoadRio and rdbLoadObject: reads every type and encoding Redis 7.x and Valkey
/// 7.2-9.0 write (RDB 1-11 and 80), checks the CRC64 trailer, and builds the values through the
/// normal storage APIs (so their encodings follow this server's thresholds). Ziplist-era
/// encodings (RDB &lt; 10), modules and streams are refused with a clear error.
/// </summary>
public static unsafe class RdbLoader
{
    /// <summary>
    /// True while a file (start-up, DEBUG RELOAD, an AOF's RDB preamble) is being loaded: Valkey's
    /// loader adds keys with dbAddRDBLoad, which fires no keyspace event, so the server's notification
    /// hook drops the "new" events the storage layer raises meanwhile. RESTORE does not go through
    /// <see cref="Load"/> and keeps its events. Command thread only.
    /// </summary>
    public static bool LoadingFile { get; private set; }

    /// <summary>DEBUG SET-SKIP-CHECKSUM-VALIDATION: CRC64 trailers of files and DUMP payloads are not checked.</summary>
    public static bool SkipChecksumValidation { get; set; }

    public static RdbLoadResult Load(Stream stream, long length, Keyspace? keyspace, RdbLoadOptions options)
    {
        bool outer = LoadingFile;
        LoadingFile = keyspace != null || outer;
        try
        {
            return LoadCore(stream, length, keyspace, options);
        }
        finally
        {
            LoadingFile = outer;
        }
    }

    private static RdbLoadResult LoadCore(Stream stream, long length, Keyspace? keyspace, RdbLoadOptions options)
    {
        var input = new RdbInput(stream, length);
        var result = new RdbLoadResult();
        Span<byte> magic = stackalloc byte[9];
        input.ReadExact(magic);
        int version = ParseMagic(magic);
        result.Version = version;

        var value = new LoadedValue();
        byte[] key = new byte[64];
        Database? db = keyspace?.Databases[0];
        int dbId = 0;
        long expireAt = -1;
        long idle = -1;
        int freq = -1;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        while (true)
        {
            byte type = input.ReadByte();
            switch (type)
            {
                case RdbConstants.OpExpireTime:
                    expireAt = input.ReadInt32LittleEndian() * 1000L;
                    continue;
                case RdbConstants.OpExpireTimeMs:
                    expireAt = version >= 9 ? input.ReadMillis() : ReadOldMillis(input);
                    continue;
                case RdbConstants.OpFreq:
                    freq = input.ReadByte();
                    continue;
                case RdbConstants.OpIdle:
                    idle = (long)input.ReadLength();
                    continue;
                case RdbConstants.OpEof:
                    goto eof;
                case RdbConstants.OpSelectDb:
                {
                    ulong id = input.ReadLength();
                    if (keyspace != null && id >= (ulong)keyspace.Databases.Length)
                        throw new RdbFormatException($"FATAL: Data file was created with a Valkey server configured to handle more than {keyspace.Databases.Length} databases. Exiting");
                    dbId = (int)id;
                    db = keyspace?.Databases[dbId];
                    continue;
                }
                case RdbConstants.OpResizeDb:
                    input.ReadLength();
                    input.ReadLength();
                    continue;
                case RdbConstants.OpSlotInfo:
                    input.ReadLength(); input.ReadLength(); input.ReadLength();
                    continue;
                case RdbConstants.OpAux:
                {
                    string auxKey = Encoding.UTF8.GetString(input.ReadStringBytes());
                    string auxValue = Encoding.UTF8.GetString(input.ReadStringBytes());
                    result.Aux[auxKey] = auxValue;
                    continue;
                }
                case RdbConstants.OpFunction2:
                    // Function libraries: this server has no functions engine to give them to; skip the code.
                    input.ReadStringBytes();
                    result.Aux["functions-skipped"] = "yes";
                    continue;
                case RdbConstants.OpModuleAux:
                case RdbConstants.OpFunctionPreGa:
                case RdbConstants.OpSlotImport:
                    throw new RdbFormatException($"Unsupported RDB opcode {type} ({(type == RdbConstants.OpModuleAux ? "module data" : "unknown")})");
            }

            // A key-value pair.
            int keyLength = input.ReadString(ref key);
            try
            {
                ReadObject(input, type, version, value);
            }
            catch (RdbEmptyKeyException)
            {
                // rdbLoadRioWithLoadingCtx: an empty value is skipped (with a notice), not an error.
                result.EmptyKeysSkipped++;
                if (result.EmptyKeyNames.Count < 10) result.EmptyKeyNames.Add(Encoding.UTF8.GetString(key.AsSpan(0, keyLength)));
                expireAt = -1;
                idle = -1;
                freq = -1;
                continue;
            }
            options.OnKey?.Invoke(dbId, key.AsSpan(0, keyLength), value, expireAt);
            result.Keys++;
            string typeName = RdbConstants.TypeName(type);
            result.TypeCounts[typeName] = result.TypeCounts.GetValueOrDefault(typeName) + 1;
            if (expireAt != -1) result.Expires++;
            bool expired = options.SkipExpired && expireAt != -1 && expireAt < now;
            if (expired) result.ExpiredSkipped++;
            if (!expired && !options.DryRun && db != null)
                Store(db, key.AsSpan(0, keyLength), value, expireAt, idle, freq, options, now);
            expireAt = -1;
            idle = -1;
            freq = -1;
            if (options.Progress != null && result.Keys % options.ProgressEveryKeys == 0) options.Progress(result.Keys, input.Position);
        }
    eof:
        if (version >= 5)
        {
            ulong expected = input.CurrentCrc();
            ulong stored = input.ReadUInt64LittleEndian();
            if (stored != 0)
            {
                if (stored != expected && !SkipChecksumValidation)
                    throw new RdbFormatException($"Wrong RDB checksum expected: ({expected:x}) got: ({stored:x}). RDB CRC error");
                result.ChecksumVerified = stored == expected;
            }
        }
        return result;
    }

    /// <summary>Before RDB 9 the ms expire was written in host order (little endian on every platform we read from).</summary>
    private static long ReadOldMillis(RdbInput input) => input.ReadMillis();

    public static int ParseMagic(ReadOnlySpan<byte> magic)
    {
        int version;
        if (magic[..5].SequenceEqual("REDIS"u8))
        {
            if (!TryDigits(magic[5..], out version)) throw new RdbFormatException("Wrong signature trying to load DB from file");
            // "REDIS" goes with the open-source versions only (1-11): 12-79 are Redis' own later formats, 80+ need "VALKEY".
            if (version >= RdbConstants.ForeignVersionMin)
                throw new RdbFormatException($"Can't handle RDB format version {version}");
        }
        else if (magic[..6].SequenceEqual("VALKEY"u8))
        {
            if (!TryDigits(magic[6..], out version) || version <= RdbConstants.ForeignVersionMax)
                throw new RdbFormatException("Wrong signature trying to load DB from file");
        }
        else throw new RdbFormatException("Wrong signature trying to load DB from file");
        if (version < 1 || version > RdbConstants.MaxReadVersion) throw new RdbFormatException($"Can't handle RDB format version {version}");
        return version;
    }

    private static bool TryDigits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (byte c in s)
        {
            if (c < '0' || c > '9') return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    // ---- objects ---------------------------------------------------------------------------

    /// <summary>rdbLoadObject into <paramref name="value"/>; throws <see cref="RdbFormatException"/> on anything malformed.</summary>
    public static void ReadObject(RdbInput input, byte type, int version, LoadedValue value)
    {
        value.Clear();
        value.RdbType = type;
        if (RdbConstants.MinVersionForType(type) > version && version != 0)
            throw new RdbFormatException($"Type {type} is not valid in an RDB of version {version}");
        byte[] scratch = new byte[32];
        switch (type)
        {
            case RdbConstants.TypeString:
                value.Type = DataType.String;
                value.Str = input.ReadStringBytes();
                return;
            case RdbConstants.TypeList:
            case RdbConstants.TypeSet:
            {
                value.Type = type == RdbConstants.TypeList ? DataType.List : DataType.Set;
                long n = input.ReadCount();
                if (n == 0) throw new RdbEmptyKeyException();
                for (long i = 0; i < n; i++) value.Items.Add(input.ReadStringBytes());
                if (type == RdbConstants.TypeSet) CheckUniqueItems(value.Items);
                return;
            }
            case RdbConstants.TypeZset:
            case RdbConstants.TypeZset2:
            {
                value.Type = DataType.SortedSet;
                long n = input.ReadCount(2);
                if (n == 0) throw new RdbEmptyKeyException();
                for (long i = 0; i < n; i++)
                {
                    byte[] member = input.ReadStringBytes();
                    double score = type == RdbConstants.TypeZset2 ? input.ReadBinaryDouble() : ReadAsciiDouble(input);
                    if (double.IsNaN(score)) throw new RdbFormatException("Zset with NAN score detected");
                    value.Members.Add((member, score));
                }
                CheckUniqueMembers(value.Members);
                return;
            }
            case RdbConstants.TypeHash:
            case RdbConstants.TypeHash2:
            {
                value.Type = DataType.Hash;
                long n = input.ReadCount(2);
                if (n == 0) throw new RdbEmptyKeyException();
                for (long i = 0; i < n; i++)
                {
                    byte[] field = input.ReadStringBytes();
                    byte[] v = input.ReadStringBytes();
                    long ttl = type == RdbConstants.TypeHash2 ? input.ReadMillis() : -1;
                    if (ttl < -1) throw new RdbFormatException("Invalid hash field TTL");
                    value.Fields.Add((field, v, ttl));
                }
                CheckUniqueFields(value.Fields);
                return;
            }
            case RdbConstants.TypeSetIntset:
            {
                value.Type = DataType.Set;
                byte[] blob = input.ReadStringBytes();
                if (blob.Length < 8) throw new RdbFormatException("Intset integrity check failed.");
                int width = BinaryPrimitives.ReadInt32LittleEndian(blob);
                int count = BinaryPrimitives.ReadInt32LittleEndian(blob.AsSpan(4));
                if (width is not (2 or 4 or 8) || count <= 0 || (long)count * width != blob.Length - 8)
                    throw new RdbFormatException("Intset integrity check failed.");
                long prev = long.MinValue;
                for (int i = 0; i < count; i++)
                {
                    var at = blob.AsSpan(8 + i * width);
                    long v = width == 2 ? BinaryPrimitives.ReadInt16LittleEndian(at)
                        : width == 4 ? BinaryPrimitives.ReadInt32LittleEndian(at) : BinaryPrimitives.ReadInt64LittleEndian(at);
                    if (i > 0 && v <= prev) throw new RdbFormatException("Intset integrity check failed.");
                    prev = v;
                    int len = NumberFormatter.FormatInt64(v, scratch);
                    value.Items.Add(scratch.AsSpan(0, len).ToArray());
                }
                return;
            }
            case RdbConstants.TypeSetListpack:
            {
                value.Type = DataType.Set;
                byte[] blob = input.ReadStringBytes();
                try
                {
                    var lp = new ListpackReader(blob);
                    while (lp.NextBytes(scratch, out var item)) value.Items.Add(item.ToArray());
                    if (value.Items.Count > 0) CheckUniqueItems(value.Items);
                }
                catch (RdbFormatException) { throw new RdbFormatException("Set listpack integrity check failed."); }
                if (value.Items.Count == 0) throw new RdbEmptyKeyException();
                return;
            }
            case RdbConstants.TypeHashListpack:
            {
                value.Type = DataType.Hash;
                byte[] blob = input.ReadStringBytes();
                try
                {
                    var lp = new ListpackReader(blob);
                    while (lp.NextBytes(scratch, out var field))
                    {
                        byte[] f = field.ToArray();
                        if (!lp.NextBytes(scratch, out var v)) throw new RdbFormatException("Hash listpack with an odd number of entries");
                        value.Fields.Add((f, v.ToArray(), -1));
                    }
                    CheckUniqueFields(value.Fields);
                }
                catch (RdbFormatException) { throw new RdbFormatException("Hash listpack integrity check failed."); }
                if (value.Fields.Count == 0) throw new RdbEmptyKeyException();
                return;
            }
            case RdbConstants.TypeZsetListpack:
            {
                value.Type = DataType.SortedSet;
                byte[] blob = input.ReadStringBytes();
                try
                {
                    var lp = new ListpackReader(blob);
                    while (lp.NextBytes(scratch, out var member))
                    {
                        byte[] m = member.ToArray();
                        if (!lp.Next(out var text, out bool isInt, out long iv)) throw new RdbFormatException("Zset listpack with an odd number of entries");
                        double score;
                        if (isInt) score = iv;
                        else if (!NumberParser.TryParseDouble(text, out score) || double.IsNaN(score)) throw new RdbFormatException("Zset listpack with an invalid score");
                        value.Members.Add((m, score));
                    }
                    CheckUniqueMembers(value.Members);
                }
                catch (RdbFormatException) { throw new RdbFormatException("Zset listpack integrity check failed."); }
                if (value.Members.Count == 0) throw new RdbEmptyKeyException();
                return;
            }
            case RdbConstants.TypeListQuicklist2:
            {
                value.Type = DataType.List;
                long nodes = input.ReadCount(2);
                if (nodes == 0) throw new RdbEmptyKeyException();
                for (long i = 0; i < nodes; i++)
                {
                    ulong container = input.ReadLength();
                    if (container != RdbConstants.ContainerPlain && container != RdbConstants.ContainerPacked)
                        throw new RdbFormatException("Quicklist integrity check failed.");
                    byte[] data = input.ReadStringBytes();
                    if (data.Length == 0) throw new RdbFormatException("Quicklist node of zero bytes");
                    if (container == RdbConstants.ContainerPlain) { value.Items.Add(data); continue; }
                    try
                    {
                        var lp = new ListpackReader(data);
                        // Empty nodes are skipped, as rdbLoadObject does.
                        while (lp.NextBytes(scratch, out var item)) value.Items.Add(item.ToArray());
                    }
                    catch (RdbFormatException) { throw new RdbFormatException("Listpack integrity check failed."); }
                }
                if (value.Items.Count == 0) throw new RdbEmptyKeyException();
                return;
            }
            case RdbConstants.TypeStreamListpacks:
            case RdbConstants.TypeStreamListpacks2:
            case RdbConstants.TypeStreamListpacks3:
                value.Type = DataType.Stream;
                value.Stream = RdbStreams.Read(input, type);
                return;
            case RdbConstants.TypeModulePreGa:
            case RdbConstants.TypeModule2:
                throw new RdbFormatException("Loading module values is not supported (no modules)");
            case RdbConstants.TypeHashZipmap:
            case RdbConstants.TypeListZiplist:
            case RdbConstants.TypeZsetZiplist:
            case RdbConstants.TypeHashZiplist:
            case RdbConstants.TypeListQuicklist:
                ReadZiplistEra(input, type, value);
                return;
            default:
                throw new RdbFormatException($"Unknown RDB encoding type {type}");
        }
    }

    /// <summary>The encodings of RDB &lt; 10 (Redis &lt;= 6.2): ziplists and zipmaps, with Valkey's error texts.</summary>
    private static void ReadZiplistEra(RdbInput input, byte type, LoadedValue value)
    {
        if (type == RdbConstants.TypeListQuicklist)
        {
            value.Type = DataType.List;
            long nodes = input.ReadCount();
            if (nodes == 0) throw new RdbEmptyKeyException();
            for (long i = 0; i < nodes; i++)
            {
                byte[] node = input.ReadStringBytes();
                // A node of zero bytes fails the load; an empty ziplist is skipped (rdbLoadObject).
                if (node.Length == 0) throw new RdbFormatException("Quicklist node of zero bytes");
                if (!RdbZiplist.TryDecode(node, value.Items)) throw new RdbFormatException("Ziplist integrity check failed.");
            }
            if (value.Items.Count == 0) throw new RdbEmptyKeyException();
            return;
        }
        byte[] blob = input.ReadStringBytes();
        switch (type)
        {
            case RdbConstants.TypeHashZipmap:
            {
                value.Type = DataType.Hash;
                var pairs = new List<(byte[] Field, byte[] Value)>();
                if (!RdbZiplist.TryDecodeZipmap(blob, pairs)) throw new RdbFormatException("Zipmap integrity check failed.");
                foreach (var (f, v) in pairs) value.Fields.Add((f, v, -1));
                if (value.Fields.Count == 0) throw new RdbEmptyKeyException();
                try { CheckUniqueFields(value.Fields); }
                catch (RdbFormatException) { throw new RdbFormatException("Hash zipmap with dup elements, or big length"); }
                return;
            }
            case RdbConstants.TypeListZiplist:
                value.Type = DataType.List;
                if (!RdbZiplist.TryDecode(blob, value.Items)) throw new RdbFormatException("List ziplist integrity check failed.");
                if (value.Items.Count == 0) throw new RdbEmptyKeyException();
                return;
            case RdbConstants.TypeZsetZiplist:
            {
                value.Type = DataType.SortedSet;
                var items = new List<byte[]>();
                if (!RdbZiplist.TryDecode(blob, items) || items.Count % 2 != 0) throw new RdbFormatException("Zset ziplist integrity check failed.");
                for (int i = 0; i < items.Count; i += 2)
                {
                    if (!NumberParser.TryParseDouble(items[i + 1], out double score) || double.IsNaN(score))
                        throw new RdbFormatException("Zset ziplist integrity check failed.");
                    value.Members.Add((items[i], score));
                }
                try { CheckUniqueMembers(value.Members); }
                catch (RdbFormatException) { throw new RdbFormatException("Zset ziplist integrity check failed."); }
                if (value.Members.Count == 0) throw new RdbEmptyKeyException();
                return;
            }
            default:
            {
                value.Type = DataType.Hash;
                var items = new List<byte[]>();
                if (!RdbZiplist.TryDecode(blob, items) || items.Count % 2 != 0) throw new RdbFormatException("Hash ziplist integrity check failed.");
                for (int i = 0; i < items.Count; i += 2) value.Fields.Add((items[i], items[i + 1], -1));
                try { CheckUniqueFields(value.Fields); }
                catch (RdbFormatException) { throw new RdbFormatException("Hash ziplist integrity check failed."); }
                if (value.Fields.Count == 0) throw new RdbEmptyKeyException();
                return;
            }
        }
    }

    private static double ReadAsciiDouble(RdbInput input)
    {
        byte len = input.ReadByte();
        switch (len)
        {
            case 253: return double.NaN;
            case 254: return double.PositiveInfinity;
            case 255: return double.NegativeInfinity;
        }
        Span<byte> buf = stackalloc byte[256];
        input.ReadExact(buf[..len]);
        if (!NumberParser.TryParseDouble(buf[..len], out double d)) throw new RdbFormatException("Invalid double in zset");
        return d;
    }

    private static void CheckUniqueItems(List<byte[]> items)
    {
        var seen = new HashSet<byte[]>(ByteArrayComparer.Instance);
        foreach (var i in items) if (!seen.Add(i)) throw new RdbFormatException("Duplicate set members detected");
    }

    private static void CheckUniqueFields(List<(byte[] Field, byte[] Value, long ExpireAtMs)> fields)
    {
        var seen = new HashSet<byte[]>(ByteArrayComparer.Instance);
        foreach (var f in fields) if (!seen.Add(f.Field)) throw new RdbFormatException("Duplicate hash fields detected");
    }

    private static void CheckUniqueMembers(List<(byte[] Member, double Score)> members)
    {
        var seen = new HashSet<byte[]>(ByteArrayComparer.Instance);
        foreach (var m in members) if (!seen.Add(m.Member)) throw new RdbFormatException("Duplicate zset fields detected");
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] obj)
        {
            var h = new HashCode();
            h.AddBytes(obj);
            return h.ToHashCode();
        }
    }

    // ---- building values -------------------------------------------------------------------

    /// <summary>Creates the key with <paramref name="value"/>; returns its entry (null when every hash field had expired).</summary>
    public static byte* Store(Database db, ReadOnlySpan<byte> key, LoadedValue value, long expireAt, long idle, int freq,
        RdbLoadOptions options, long now)
    {
        var ks = db.Keyspace;
        byte* existing = db.Table.Find(key);
        if (existing != null)
        {
            if (!options.ReplaceExisting) throw new RdbFormatException($"Duplicate key '{Encoding.UTF8.GetString(key)}' found in RDB file");
            db.DeleteEntry(existing);
        }
        byte* entry;
        switch (value.Type)
        {
            case DataType.String:
                entry = db.SetString(key, value.Str);
                break;
            case DataType.List:
            {
                var limits = options.ListLimits;
                entry = db.Add(key, DataType.List, ValueEncoding.ListPack, 8);
                ValueHeader* h = Database.Header(entry);
                ListValue.InitEmpty(ks, h);
                long bytes = 0;
                foreach (var item in value.Items) bytes += item.Length;
                ListValue.TryConvertForGrowth(ks, h, limits, bytes, value.Items.Count);
                foreach (var item in value.Items) ListValue.Push(ks, h, item, false, limits);
                break;
            }
            case DataType.Set:
            {
                var encoding = SetValue.EncodingFor(value.Items[0], value.Items.Count, options.SetLimits);
                entry = db.Add(key, DataType.Set, encoding, 8);
                ValueHeader* h = Database.Header(entry);
                SetValue.InitEmpty(ks, h, encoding);
                SetValue.MaybeConvert(ks, h, value.Items.Count, options.SetLimits);
                foreach (var item in value.Items) SetValue.Add(ks, h, item, options.SetLimits);
                break;
            }
            case DataType.SortedSet:
            {
                long maxLength = 0;
                foreach (var m in value.Members) maxLength = Math.Max(maxLength, m.Member.Length);
                entry = SortedSetValue.Create(db, key, value.Members.Count, maxLength, options.ZsetLimits);
                ValueHeader* h = Database.Header(entry);
                foreach (var m in value.Members)
                    SortedSetValue.Add(ks, h, m.Score, m.Member, ZAddFlags.None, options.ZsetLimits, out _, out _);
                break;
            }
            case DataType.Hash:
            {
                entry = db.Add(key, DataType.Hash, ValueEncoding.ListPack, 8);
                ValueHeader* h = Database.Header(entry);
                HashValue.InitEmpty(ks, h);
                if (value.Fields.Count > options.HashMaxListpackEntries) HashValue.ConvertToTable(ks, h);
                int live = 0;
                foreach (var f in value.Fields)
                {
                    if (f.ExpireAtMs != -1 && options.SkipExpired && f.ExpireAtMs < now) continue;
                    HashValue.SetField(ks, h, f.Field, f.Value, f.ExpireAtMs, false, options.HashMaxListpackEntries, options.HashMaxListpackValue);
                    live++;
                }
                if (live == 0)
                {
                    db.DeleteEntry(entry);
                    return null;
                }
                db.VolatileHashes.Update(key, h, false);
                break;
            }
            case DataType.Stream:
                entry = RdbStreams.Store(db, key, value.Stream!, options.StreamNodeMaxBytes, options.StreamNodeMaxEntries);
                break;
            default:
                throw new RdbFormatException("Unsupported value type");
        }
        if (expireAt != -1) entry = db.SetExpire(entry, expireAt);   // may move the entry
        ValueHeader* header = Database.Header(entry);
        if (idle >= 0)
        {
            uint clock = ks.LruClock;
            long idleSeconds = Math.Min(idle, 0xFFFFFF);
            header->AccessClock = (uint)((clock - idleSeconds) & 0xFFFFFF);
        }
        else if (freq >= 0)
        {
            uint minutes = (uint)((now / 60000) & 0xFFFF);
            header->AccessClock = (minutes << 8) | (uint)freq;
        }
        return entry;
    }
}
