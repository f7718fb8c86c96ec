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

    private readonly struct KeyWriter(RdbWriter<TView> writer) : ValueWalk.IEntryVisitor
    {
        public Span<byte> KeyScratch(int length) => writer.Scratch(length);
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

    private void WriteList(byte* data, in ValueHeader h)
    {
        long nodes = ValueWalk.ListNodes(ref _view, data, in h, out _);
        _out.WriteLength(nodes);
        _lp.Reset();
        var visitor = new ListNodeWriter(this);
        if (ValueWalk.List(ref _view, data, in h, ref visitor) != nodes)
            throw new RdbFormatException("list node chain shorter than its node count");
    }

    /// <summary>Each node's elements into one listpack, written when the node ends.</summary>
    private readonly struct ListNodeWriter(RdbWriter<TView> writer) : ValueWalk.IListVisitor
    {
        public Span<byte> NodeScratch(int size) => writer.Scratch(size);
        public Span<byte> PlainScratch(int size) => new(writer.Scratch2(size), size);

        public void Element(ReadOnlySpan<byte> text, bool isInt, long value)
        {
            if (isInt) writer._lp.AppendInteger(value);
            else writer._lp.AppendString(text);
        }

        public void NodeEnd()
        {
            writer._out.WriteLength(RdbConstants.ContainerPacked);
            writer._out.WriteString(writer._lp.Finish());
            writer._lp.Reset();
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
                var visitor = new MemberWriter(this);
                VisitTable(table, ref visitor);
                break;
            }
        }
    }

    private readonly struct MemberWriter(RdbWriter<TView> writer) : ValueWalk.IEntryVisitor
    {
        public Span<byte> KeyScratch(int length) => writer.Scratch(length);
        public void Visit(byte* entry, ReadOnlySpan<byte> key) => writer._out.WriteString(key);
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
        long length = ValueWalk.SkipListLength(ref _view, data);
        _out.WriteLength(length);
        var visitor = new ScoredWriter(this);
        if (ValueWalk.SkipListFromTail(ref _view, data, ref visitor) != length)
            throw new RdbFormatException("skiplist shorter than its length");
    }

    private readonly struct ScoredWriter(RdbWriter<TView> writer) : ValueWalk.IScoredVisitor
    {
        public Span<byte> MemberScratch(int length) => writer.Scratch(length);

        public void Member(ReadOnlySpan<byte> member, double score)
        {
            writer._out.WriteString(member);
            writer._out.WriteBinaryDouble(score);
        }
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

    private readonly struct FieldWriter(RdbWriter<TView> writer, bool withTtl) : ValueWalk.IEntryVisitor
    {
        public Span<byte> KeyScratch(int length) => writer.Scratch(length);
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

    /// <summary>Every entry of a captured table (<see cref="ValueWalk.Table"/>), which must hold what its count says.</summary>
    private void VisitTable<TVisitor>(KeyTableRoot table, ref TVisitor visitor) where TVisitor : struct, ValueWalk.IEntryVisitor
    {
        long seen = ValueWalk.Table(ref _view, table, ref visitor);
        if (seen != table.Count) throw new RdbFormatException($"key table changed during save ({seen} entries, expected {table.Count})");
    }
}
