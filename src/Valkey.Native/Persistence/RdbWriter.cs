using System.Runtime.InteropServices;
using System.Text;
using Valkey.Native.Storage;
using Valkey.Native.Util;

namespace Valkey.Native.Persistence;

/// <summary>
/// Serializes keys and values into the RDB format (Valkey's rdbSaveRio / rdbSaveObject / DUMP).
/// It reads arena memory only through <typeparamref name="TView"/> and managed state only through
/// the captured <see cref="KeyspaceRoot"/>, so the same code serves SAVE on the command thread and,
/// later, BGSAVE on a background thread over a snapshot.
/// </summary>
/// <remarks>
/// Types written (all readable by Redis 7.0 = RDB 10, except hashes with field TTLs):
/// strings (integer and LZF encodings), lists as quicklist-v2 (one listpack per node, compressed
/// nodes decompressed and re-encoded), intsets as intset blobs, other sets as plain sets (Redis 7.0
/// has no set listpack), small hashes and sorted sets as listpacks, hashtable hashes as plain hashes
/// (with field TTLs: Valkey 9's hash-with-ttl triples), skiplist sorted sets as zset-v2 from the
/// highest score down. Streams (RdbWriterStreams.cs) as Redis 7.0's stream-v2: nodes through the view, consumer
/// groups from the captured roots.
/// </remarks>
public sealed unsafe partial class RdbWriter<TView> : IDisposable where TView : struct, IMemoryView
{
    private readonly RdbOutput _out;
    private readonly KeyspaceRoot _root;
    private TView _view;
    private readonly ListpackBuilder _lp = new();
    private byte* _scratch;
    private int _scratchSize;
    private byte* _scratch2;
    private int _scratch2Size;
    private byte[] _keyCopy = new byte[256];

    public RdbWriter(RdbOutput output, KeyspaceRoot root, TView view)
    {
        _out = output;
        _root = root;
        _view = view;
    }

    public long KeysWritten { get; private set; }

    public void Dispose()
    {
        if (_scratch != null) NativeMemory.Free(_scratch);
        if (_scratch2 != null) NativeMemory.Free(_scratch2);
        _scratch = _scratch2 = null;
    }

    private Span<byte> Scratch(int size)
    {
        if (size > _scratchSize)
        {
            if (_scratch != null) NativeMemory.Free(_scratch);
            _scratchSize = Math.Max(size, 4096);
            _scratch = (byte*)NativeMemory.Alloc((nuint)_scratchSize);
        }
        return new Span<byte>(_scratch, size);
    }

    private byte* Scratch2(int size)
    {
        if (size > _scratch2Size)
        {
            if (_scratch2 != null) NativeMemory.Free(_scratch2);
            _scratch2Size = Math.Max(size, 4096);
            _scratch2 = (byte*)NativeMemory.Alloc((nuint)_scratch2Size);
        }
        return _scratch2;
    }

    /// <summary>The version a whole file of this keyspace gets.</summary>
    public int FileVersion => _root.HasFieldTtls ? RdbConstants.FieldTtlVersion : RdbConstants.WriteVersion;

    // ---- whole file ------------------------------------------------------------------------

    /// <summary>rdbSaveRio: magic, aux fields, every database, EOF, checksum.</summary>
    public void WriteFile(string serverVersion, Func<long, bool>? progress = null)
    {
        _progress = progress;
        int version = FileVersion;
        string magic = version > RdbConstants.ForeignVersionMax ? $"VALKEY{version:D3}" : $"REDIS{version:D4}";
        _out.WriteRaw(Encoding.ASCII.GetBytes(magic));
        WriteAux("valkey-ver", serverVersion);
        WriteAux("redis-bits", "64");
        WriteAux("ctime", (_root.NowMs / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        WriteAux("used-mem", _root.UsedMemory.ToString(System.Globalization.CultureInfo.InvariantCulture));
        WriteAux("aof-base", "0");
        foreach (var db in _root.Databases)
        {
            if (db.Keys.Count == 0) continue;
            _out.WriteByte(RdbConstants.OpSelectDb);
            _out.WriteLength(db.Id);
            _out.WriteByte(RdbConstants.OpResizeDb);
            _out.WriteLength(db.Keys.Count);
            _out.WriteLength(db.VolatileCount);
            var visitor = new KeyWriter(this);
            VisitTable(db.Keys, ref visitor);
            if (progress != null && !progress(KeysWritten)) throw new OperationCanceledException();
        }
        _out.WriteByte(RdbConstants.OpEof);
        _out.Finish();
    }

    private void WriteAux(string key, string value)
    {
        _out.WriteByte(RdbConstants.OpAux);
        _out.WriteString(Encoding.ASCII.GetBytes(key));
        _out.WriteString(Encoding.ASCII.GetBytes(value));
    }

    private struct KeyWriter(RdbWriter<TView> writer) : IEntryVisitor
    {
        public void Visit(byte* entry, ReadOnlySpan<byte> key) => writer.WriteKeyValue(entry, key);
    }

    private void WriteKeyValue(byte* entry, ReadOnlySpan<byte> key)
    {
        // The key span may live in the scratch buffer, which value serialization reuses: copy it.
        if (_keyCopy.Length < key.Length) _keyCopy = new byte[Math.Max(key.Length, _keyCopy.Length * 2)];
        key.CopyTo(_keyCopy);
        int keyLength = key.Length;
        byte* payload = entry + KeyTable.PayloadOffset(keyLength);
        var h = _view.ReadStruct<ValueHeader>(payload);
        // The expiry lives in an optional block after the header (ValueHeader's layout).
        long expireAt = h.HasExpireBlock ? _view.ReadStruct<long>(payload + ValueHeader.ExpireOffset) : ValueHeader.NoExpire;
        if (expireAt != ValueHeader.NoExpire)
        {
            _out.WriteByte(RdbConstants.OpExpireTimeMs);
            _out.WriteMillis(expireAt);
        }
        if (_root.SaveLru)
        {
            uint clock = (uint)(_root.NowMs / 1000) & 0xFFFFFF;
            uint access = h.AccessClock & 0xFFFFFF;
            long idle = clock >= access ? clock - access : clock + (0xFFFFFF - access);
            _out.WriteByte(RdbConstants.OpIdle);
            _out.WriteLength(idle);
        }
        else if (_root.SaveLfu)
        {
            // LFUDecrAndReturn: the counter after the decay owed since the last access, not the stored one.
            _out.WriteByte(RdbConstants.OpFreq);
            _out.WriteByte((byte)Lfu.DecayedCounter(h.AccessClock, _root.NowMs, _root.LfuDecayTime));
        }
        WriteObject(payload, in h, _keyCopy.AsSpan(0, keyLength), writeKey: true);
        KeysWritten++;
        _root.Progress?.SetProcessed(KeysWritten);
        if (_root.KeySaveDelayUs != 0) KeySaveDelay(_root.KeySaveDelayUs);
    }

    private Func<long, bool>? _progress;
    private long _delayDebtNs;

    /// <summary>
    /// rdb-key-save-delay (Valkey's debugDelay per key saved): N &gt; 0 sleeps N microseconds per key,
    /// -N sleeps 1 microsecond once every N keys on average. Sub-millisecond sleeps cost a whole timer
    /// slice, so the debt is paid in whole milliseconds, in slices of at most 50 ms between which a
    /// cancelled job (BGSAVE CANCEL, FLUSHALL, SHUTDOWN) is noticed.
    /// </summary>
    private void KeySaveDelay(long delayUs)
    {
        _delayDebtNs += delayUs > 0 ? delayUs * 1000 : 1000 / -delayUs;
        while (_delayDebtNs >= 1_000_000)
        {
            int ms = (int)Math.Min(50, _delayDebtNs / 1_000_000);
            Thread.Sleep(ms);
            _delayDebtNs -= ms * 1_000_000L;
            if (_progress != null && !_progress(KeysWritten)) throw new OperationCanceledException();
        }
    }

    // ---- one value (also DUMP's payload) ------------------------------------------------------

    /// <summary>The RDB type byte the value gets.</summary>
    public byte TypeOf(in ValueHeader h) => h.Type switch
    {
        DataType.String => RdbConstants.TypeString,
        DataType.List => RdbConstants.TypeListQuicklist2,
        DataType.Set => h.Encoding == ValueEncoding.IntSet ? RdbConstants.TypeSetIntset : RdbConstants.TypeSet,
        DataType.SortedSet => h.Encoding == ValueEncoding.ListPack ? RdbConstants.TypeZsetListpack : RdbConstants.TypeZset2,
        DataType.Hash => h.Encoding == ValueEncoding.ListPack ? RdbConstants.TypeHashListpack
            : (h.Flags & HashValue.VolatileFieldsFlag) != 0 ? RdbConstants.TypeHash2 : RdbConstants.TypeHash,
        DataType.Stream => RdbConstants.TypeStreamListpacks2,
        _ => throw new RdbFormatException($"saving a {ValueNames.TypeName(h.Type)} value is not supported yet"),
    };

    /// <summary>Writes [type][key][value] (keys) or [type][value] (DUMP) for the value whose header is at <paramref name="payload"/>.</summary>
    public void WriteObject(byte* payload, in ValueHeader h, ReadOnlySpan<byte> key, bool writeKey)
    {
        byte type = TypeOf(h);
        _out.WriteByte(type);
        if (writeKey) _out.WriteString(key);
        byte* data = payload + h.DataOffset;
        switch (h.Type)
        {
            case DataType.String: WriteStringValue(data, in h); break;
            case DataType.List: WriteList(data, in h); break;
            case DataType.Set: WriteSet(data, in h); break;
            case DataType.SortedSet: WriteSortedSet(data, in h); break;
            case DataType.Hash: WriteHash(data, in h, type == RdbConstants.TypeHash2); break;
            case DataType.Stream: WriteStream(data); break;
        }
    }

    private byte* PointerAt(byte* data) => (byte*)_view.ReadStruct<nint>(data);

    private void WriteStringValue(byte* data, in ValueHeader h)
    {
        switch (h.Encoding)
        {
            case ValueEncoding.Int:
                _out.WriteInteger(_view.ReadStruct<long>(data));
                break;
            case ValueEncoding.EmbStr:
                _out.WriteString(_view.Read(data, h.Length, Scratch(h.Length)));
                break;
            default:
                _out.WriteString(_view.Read(PointerAt(data), h.Length, Scratch(h.Length)));
                break;
        }
    }

    // ---- lists: quicklist-v2, one packed node per list node --------------------------------

    private const int ListNodeHeader = ListValue.NodeHeaderSize;

    private void WriteList(byte* data, in ValueHeader h)
    {
        byte* first;
        long nodes;
        if (h.Encoding == ValueEncoding.QuickList)
        {
            byte* ql = PointerAt(data);
            first = (byte*)_view.ReadStruct<nint>(ql);
            nodes = _view.ReadStruct<int>(ql + 24);
        }
        else
        {
            first = PointerAt(data);
            nodes = 1;
        }
        _out.WriteLength(nodes);
        long written = 0;
        for (byte* n = first; n != null && written < nodes; written++)
        {
            byte* next = (byte*)_view.ReadStruct<nint>(n + 8);
            int used = _view.ReadStruct<int>(n + 16);
            int pad = _view.ReadStruct<int>(n + 28);
            var block = _view.Read(n, used, Scratch(used));
            _lp.Reset();
            fixed (byte* raw = block)
            {
                if ((pad & 1) != 0)
                {
                    // A compressed node: [raw used 4][lzf bytes] after the header; decompress to parse.
                    int rawUsed = *(int*)(raw + ListNodeHeader);
                    byte* plain = Scratch2(rawUsed);
                    int got = Lzf.Decompress(new ReadOnlySpan<byte>(raw + ListNodeHeader + 4, used - ListNodeHeader - 4),
                        new Span<byte>(plain + ListNodeHeader, rawUsed - ListNodeHeader));
                    if (got != rawUsed - ListNodeHeader) throw new RdbFormatException("corrupt compressed list node");
                    AppendListElements(plain, rawUsed);
                }
                else AppendListElements(raw, used);
            }
            _out.WriteLength(RdbConstants.ContainerPacked);
            _out.WriteString(_lp.Finish());
            n = next;
        }
        if (written != nodes) throw new RdbFormatException("list node chain shorter than its node count");
    }

    /// <summary>Appends the elements of one raw node (ListValue's element format) to the listpack being built.</summary>
    private void AppendListElements(byte* node, int used)
    {
        for (int off = ListNodeHeader; off < used;)
        {
            var text = ListValue.ReadRaw(node, off, out off, out bool isInt, out long value);
            if (isInt) _lp.AppendInteger(value);
            else _lp.AppendString(text);
        }
    }

    // ---- sets ------------------------------------------------------------------------------

    private void WriteSet(byte* data, in ValueHeader h)
    {
        switch (h.Encoding)
        {
            case ValueEncoding.IntSet:
            {
                byte* block = PointerAt(data);
                int count = _view.ReadStruct<int>(block);
                int width = _view.ReadStruct<int>(block + 4);
                var values = _view.Read(block + IntSet.HeaderSize, count * width, Scratch(count * width));
                // Valkey's intset blob: [encoding u32][length u32][values], little endian like ours.
                var blob = new byte[8 + values.Length];
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(blob, width);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(4), count);
                values.CopyTo(blob.AsSpan(8));
                _out.WriteString(blob);
                break;
            }
            case ValueEncoding.ListPack:
            {
                byte* block = PointerAt(data);
                int used = _view.ReadStruct<int>(block);
                var bytes = _view.Read(block, used, Scratch(used));
                fixed (byte* lp = bytes)
                {
                    _out.WriteLength(Listpack.Count(lp));
                    for (int pos = Listpack.HeaderSize; pos < used;)
                        _out.WriteString(Listpack.ReadItem(lp, pos, out pos));
                }
                break;
            }
            default:
            {
                var table = _root.Tables.Table(_view.ReadStruct<int>(data));
                _out.WriteLength(table.Count);
                var visitor = new MemberWriter(_out);
                VisitTable(table, ref visitor);
                break;
            }
        }
    }

    private readonly struct MemberWriter(RdbOutput output) : IEntryVisitor
    {
        public void Visit(byte* entry, ReadOnlySpan<byte> key) => output.WriteString(key);
    }

    // ---- sorted sets -----------------------------------------------------------------------

    private void WriteSortedSet(byte* data, in ValueHeader h)
    {
        if (h.Encoding == ValueEncoding.ListPack)
        {
            byte* block = PointerAt(data);
            int used = _view.ReadStruct<int>(block);
            var bytes = _view.Read(block, used, Scratch(used));
            _lp.Reset();
            fixed (byte* lp = bytes)
            {
                for (int pos = Listpack.HeaderSize; pos < used;)
                {
                    _lp.Append(Listpack.ReadItem(lp, pos, out pos));
                    _lp.AppendScore(SortedSetValue.ReadScore(lp + pos, out int size));
                    pos += size;
                }
            }
            _out.WriteString(_lp.Finish());
            return;
        }
        // Skiplist: from the tail (highest) down, as rdbSaveObject does so loading inserts at the head.
        byte* list = PointerAt(data);
        var sl = _view.ReadStruct<SkipList>(list);
        _out.WriteLength(sl.Length);
        long written = 0;
        for (byte* n = (byte*)sl.Tail; n != null && written < sl.Length; written++)
        {
            var node = _view.ReadStruct<SkipListNode>(n);
            _out.WriteString(EntryKey(node.Entry));
            _out.WriteBinaryDouble(node.Score);
            n = (byte*)node.Backward;
        }
        if (written != sl.Length) throw new RdbFormatException("skiplist shorter than its length");
    }

    /// <summary>The key bytes of a KeyTable entry, read through the view.</summary>
    private ReadOnlySpan<byte> EntryKey(byte* entry)
    {
        int length = _view.ReadStruct<int>(entry + 12);
        return _view.Read(entry + KeyTable.HeaderSize, length, Scratch(length));
    }

    // ---- hashes ----------------------------------------------------------------------------

    private void WriteHash(byte* data, in ValueHeader h, bool withTtl)
    {
        if (h.Encoding == ValueEncoding.ListPack)
        {
            byte* block = PointerAt(data);
            int used = _view.ReadStruct<int>(block);
            var bytes = _view.Read(block, used, Scratch(used));
            _lp.Reset();
            fixed (byte* lp = bytes)
            {
                for (int pos = Listpack.HeaderSize; pos < used;)
                {
                    var text = Listpack.ReadTagged(lp, pos, out pos, out bool isInt, out long v);
                    if (isInt) _lp.AppendInteger(v); else _lp.AppendString(text);
                }
            }
            _out.WriteString(_lp.Finish());
            return;
        }
        var table = _root.Tables.Table(_view.ReadStruct<int>(data));
        _out.WriteLength(table.Count);
        var visitor = new FieldWriter(this, withTtl);
        VisitTable(table, ref visitor);
    }

    private struct FieldWriter(RdbWriter<TView> writer, bool withTtl) : IEntryVisitor
    {
        public void Visit(byte* entry, ReadOnlySpan<byte> key) => writer.WriteField(entry, key, withTtl);
    }

    /// <summary>One field of a hashtable hash (its layout: <see cref="ViewLayouts.HashFieldValue"/>).</summary>
    private void WriteField(byte* entry, ReadOnlySpan<byte> field, bool withTtl)
    {
        _out.WriteString(field);
        byte* payload = entry + KeyTable.PayloadOffset(field.Length);
        long expire = ViewLayouts.HashFieldValue(ref _view, payload, out int offset, out int length);
        _out.WriteString(_view.Read(payload + offset, length, Scratch(length)));
        if (withTtl) _out.WriteMillis(expire);
    }

    // ---- key tables ------------------------------------------------------------------------

    private interface IEntryVisitor
    {
        void Visit(byte* entry, ReadOnlySpan<byte> key);
    }

    /// <summary>
    /// Visits every entry of a captured table: both bucket arrays (mid-rehash, the moved buckets of
    /// table 0 are empty, so each entry is seen exactly once). Chains are followed through the view.
    /// </summary>
    private void VisitTable<TVisitor>(KeyTableRoot table, ref TVisitor visitor) where TVisitor : struct, IEntryVisitor
    {
        long seen = 0;
        VisitBuckets(table.Table0, table.Size0, ref visitor, ref seen);
        VisitBuckets(table.Table1, table.Size1, ref visitor, ref seen);
        if (seen != table.Count) throw new RdbFormatException($"key table changed during save ({seen} entries, expected {table.Count})");
    }

    private void VisitBuckets<TVisitor>(byte** buckets, long size, ref TVisitor visitor, ref long seen) where TVisitor : struct, IEntryVisitor
    {
        if (buckets == null) return;
        for (long i = 0; i < size; i++)
        {
            byte* e = (byte*)_view.ReadStruct<nint>((byte*)(buckets + i));
            while (e != null)
            {
                byte* next = (byte*)_view.ReadStruct<nint>(e);
                int keyLength = _view.ReadStruct<int>(e + 12);
                visitor.Visit(e, _view.Read(e + KeyTable.HeaderSize, keyLength, Scratch(keyLength)));
                seen++;
                e = next;
            }
        }
    }
}
