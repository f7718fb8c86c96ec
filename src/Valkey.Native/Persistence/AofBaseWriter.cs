using Valkey.Native.Server;
using Valkey.Native.Storage;
using Valkey.Native.Util;

namespace Valkey.Native.Persistence;

/// <summary>
/// The base file of an AOF rewrite with aof-use-rdb-preamble no: the dataset as the commands Valkey's
/// rewriteAppendOnlyFileRio writes (aof.c): an optional <c>#TS:</c> annotation, then per non-empty
/// database <c>SELECT n</c> and per key SET / RPUSH / SADD / ZADD / HMSET (collections in batches of
/// <see cref="ItemsPerCommand"/> items, AOF_REWRITE_ITEMS_PER_CMD), XADD / XSETID / XGROUP CREATE /
/// XGROUP CREATECONSUMER / XCLAIM for streams, then <c>PEXPIREAT key ms</c> when the key has a TTL.
/// Hash fields with a TTL are written first, as <c>HSETEX key PXAT ms FIELDS 1 field value</c> each, then
/// the other fields in HMSET batches: Valkey 9's rewriteHashObject (see docs/persistence-aof.md).
/// </summary>
/// <remarks>
/// Like <see cref="RdbWriter{TView}"/> it reads arena memory only through <typeparamref name="TView"/>
/// and managed tables only through the captured <see cref="KeyspaceRoot"/>, so the same code runs on
/// the live keyspace (foreground rewrite) and on a copy-on-write snapshot (background rewrite).
/// Streams are in AofStreamRewrite.cs. Function libraries are not written (FUNCTION LOAD): none are kept yet.
/// </remarks>
public sealed unsafe partial class AofBaseWriter<TView> where TView : struct, IMemoryView
{
    /// <summary>AOF_REWRITE_ITEMS_PER_CMD.</summary>
    public const int ItemsPerCommand = 64;
    private const int DrainBytes = 1 << 20;

    private readonly Stream _output;
    private readonly KeyspaceRoot _root;
    private TView _view;
    private NativeByteBuffer _buf;
    /// <summary>Items of the batch being built (their count is only known when the batch ends).</summary>
    private NativeByteBuffer _items;
    private int _batchCount;
    private byte[] _scratchA = new byte[4096];
    private byte[] _scratchB = new byte[4096];
    private byte[] _key = new byte[256];
    private int _keyLength;

    public AofBaseWriter(Stream output, KeyspaceRoot root, TView view)
    {
        _output = output;
        _root = root;
        _view = view;
    }

    public long KeysWritten { get; private set; }

    /// <summary>
    /// Writes the whole base. <paramref name="timestampSeconds"/> &gt;= 0 adds the <c>#TS:</c> annotation
    /// first (aof-timestamp-enabled); <paramref name="keepGoing"/> is asked between keys (cancellation).
    /// </summary>
    public void Write(long timestampSeconds, Func<bool>? keepGoing = null)
    {
        _keepGoing = keepGoing;
        try
        {
            if (timestampSeconds >= 0)
            {
                _buf.Append("#TS:"u8);
                Span<byte> digits = stackalloc byte[24];
                _buf.Append(digits[..NumberFormatter.FormatInt64(timestampSeconds, digits)]);
                _buf.Append("\r\n"u8);
            }
            foreach (var db in _root.Databases)
            {
                if (db.Keys.Count == 0) continue;
                _buf.Append("*2\r\n$6\r\nSELECT\r\n"u8);
                _buf.AppendBulk(db.Id);
                var visitor = new KeyVisitor(this, keepGoing);
                VisitTable(db.Keys, ref visitor);
            }
            Drain();
        }
        finally
        {
            _buf.Free();
            _items.Free();
            _volatileFields.Free();
        }
    }

    private void Drain()
    {
        if (_buf.Length == 0) return;
        _output.Write(_buf.Span);
        _buf.Length = 0;
    }

    private ReadOnlySpan<byte> Key => _key.AsSpan(0, _keyLength);

    /// <summary>Database keys are read into scratch A: <see cref="WriteKey"/> copies the key before reading the value.</summary>
    private readonly struct KeyVisitor(AofBaseWriter<TView> writer, Func<bool>? keepGoing) : ValueWalk.IEntryVisitor
    {
        public Span<byte> KeyScratch(int length) => writer.ScratchA(length);

        public void Visit(byte* entry, ReadOnlySpan<byte> key)
        {
            if (keepGoing != null && (writer.KeysWritten & 255) == 0 && !keepGoing())
                throw new OperationCanceledException("rewrite cancelled");
            writer.WriteKey(entry, key);
        }
    }

    private void WriteKey(byte* entry, ReadOnlySpan<byte> key)
    {
        // The key span may live in a scratch buffer that reading the value reuses: keep a copy.
        if (_key.Length < key.Length) _key = new byte[Math.Max(key.Length, _key.Length * 2)];
        key.CopyTo(_key);
        _keyLength = key.Length;
        byte* payload = entry + KeyTable.PayloadOffset(key.Length);
        var h = _view.ReadStruct<ValueHeader>(payload);
        byte* data = payload + h.DataOffset;
        // The expiry lives in an optional block after the header (read here, before value reads reuse scratch).
        long expireAt = h.HasExpireBlock ? _view.ReadStruct<long>(payload + ValueHeader.ExpireOffset) : ValueHeader.NoExpire;
        switch (h.Type)
        {
            case DataType.String:
                _buf.Append("*3\r\n$3\r\nSET\r\n"u8);
                _buf.AppendBulk(Key);
                WriteStringValue(data, in h);
                break;
            case DataType.List: WriteList(data, in h); break;
            case DataType.Set: WriteSet(data, in h); break;
            case DataType.SortedSet: WriteSortedSet(data, in h); break;
            case DataType.Hash: WriteHash(data, in h); break;
            case DataType.Stream: WriteStream(data); break;
            default:
                throw new InvalidOperationException($"rewriting a {ValueNames.TypeName(h.Type)} value is not supported");
        }
        if (expireAt != ValueHeader.NoExpire)
        {
            _buf.Append("*3\r\n$9\r\nPEXPIREAT\r\n"u8);
            _buf.AppendBulk(Key);
            _buf.AppendBulk(expireAt);
        }
        KeysWritten++;
        if (_buf.Length >= DrainBytes) Drain();
        if (_root.KeySaveDelayUs != 0) KeySaveDelay(_root.KeySaveDelayUs);
    }

    private Func<bool>? _keepGoing;
    private long _delayDebtNs;

    /// <summary>
    /// rdb-key-save-delay applies to the rewrite as in rewriteAppendOnlyFileRio (debugDelay per key):
    /// N &gt; 0 sleeps N microseconds per key, -N one microsecond every N keys; paid in whole
    /// milliseconds, at most 50 ms at a time so a cancelled rewrite stops promptly.
    /// </summary>
    private void KeySaveDelay(long delayUs)
    {
        _delayDebtNs += delayUs > 0 ? delayUs * 1000 : 1000 / -delayUs;
        while (_delayDebtNs >= 1_000_000)
        {
            int ms = (int)Math.Min(50, _delayDebtNs / 1_000_000);
            Thread.Sleep(ms);
            _delayDebtNs -= ms * 1_000_000L;
            if (_keepGoing != null && !_keepGoing()) throw new OperationCanceledException("rewrite cancelled");
        }
    }

    // ---- batches (RPUSH/SADD/ZADD/HMSET key item...) ----------------------------------------

    /// <summary>One item (or pair) of the current batch went into _items; a full batch is emitted.</summary>
    private void ItemAdded(ReadOnlySpan<byte> command, int argsPerItem)
    {
        if (++_batchCount == ItemsPerCommand) EndBatch(command, argsPerItem);
    }

    private void EndBatch(ReadOnlySpan<byte> command, int argsPerItem)
    {
        if (_batchCount == 0) return;
        _buf.AppendHeader((byte)'*', 2 + (long)_batchCount * argsPerItem);
        _buf.AppendBulk(command);
        _buf.AppendBulk(Key);
        _buf.Append(_items.Span);
        _items.Length = 0;
        _batchCount = 0;
        if (_buf.Length >= DrainBytes) Drain();
    }

    private Span<byte> ScratchA(int size)
    {
        if (_scratchA.Length < size) _scratchA = new byte[Math.Max(size, _scratchA.Length * 2)];
        return _scratchA.AsSpan(0, size);
    }

    private Span<byte> ScratchB(int size)
    {
        if (_scratchB.Length < size) _scratchB = new byte[Math.Max(size, _scratchB.Length * 2)];
        return _scratchB.AsSpan(0, size);
    }

    private byte* PointerAt(byte* data) => (byte*)_view.ReadStruct<nint>(data);

    // ---- strings ---------------------------------------------------------------------------

    private void WriteStringValue(byte* data, in ValueHeader h)
    {
        switch (h.Encoding)
        {
            case ValueEncoding.Int:
                _buf.AppendBulk(_view.ReadStruct<long>(data));
                break;
            case ValueEncoding.EmbStr:
                _buf.AppendBulk(_view.Read(data, h.Length, ScratchA(h.Length)));
                break;
            default:
                _buf.AppendBulk(_view.Read(PointerAt(data), h.Length, ScratchA(h.Length)));
                break;
        }
    }

    // ---- lists: RPUSH, head to tail --------------------------------------------------------

    private void WriteList(byte* data, in ValueHeader h)
    {
        long nodes = ValueWalk.ListNodes(ref _view, data, in h, out _);
        var visitor = new ListVisitor(this);
        if (ValueWalk.List(ref _view, data, in h, ref visitor) != nodes)
            throw new InvalidOperationException("list node chain shorter than its node count");
        EndBatch("RPUSH"u8, 1);
    }

    /// <summary>Each element into the RPUSH batch (nodes copied to A, decompressed to B).</summary>
    private readonly struct ListVisitor(AofBaseWriter<TView> writer) : ValueWalk.IListVisitor
    {
        public Span<byte> NodeScratch(int size) => writer.ScratchA(size);
        public Span<byte> PlainScratch(int size) => writer.ScratchB(size);

        public void Element(ReadOnlySpan<byte> text, bool isInt, long value)
        {
            if (isInt) writer._items.AppendBulk(value);
            else writer._items.AppendBulk(text);
            writer.ItemAdded("RPUSH"u8, 1);
        }

        public void NodeEnd() { }
    }

    // ---- sets: SADD ----------------------------------------------------------------------------

    private void WriteSet(byte* data, in ValueHeader h)
    {
        switch (h.Encoding)
        {
            case ValueEncoding.IntSet:
            {
                byte* block = PointerAt(data);
                int count = _view.ReadStruct<int>(block);
                int width = _view.ReadStruct<int>(block + 4);
                var values = _view.Read(block + IntSet.HeaderSize, count * width, ScratchA(count * width));
                for (int i = 0; i < count; i++)
                {
                    var v = values.Slice(i * width, width);
                    long value = width switch
                    {
                        2 => System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(v),
                        4 => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(v),
                        _ => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(v),
                    };
                    _items.AppendBulk(value);
                    ItemAdded("SADD"u8, 1);
                }
                break;
            }
            case ValueEncoding.ListPack:
            {
                byte* block = PointerAt(data);
                int used = _view.ReadStruct<int>(block);
                var bytes = _view.Read(block, used, ScratchA(used));
                fixed (byte* lp = bytes)
                {
                    for (int pos = Listpack.HeaderSize; pos < used;)
                    {
                        _items.AppendBulk(Listpack.ReadItem(lp, pos, out pos));
                        ItemAdded("SADD"u8, 1);
                    }
                }
                break;
            }
            default:
            {
                var table = _root.Tables.Table(_view.ReadStruct<int>(data));
                var visitor = new MemberVisitor(this);
                VisitTable(table, ref visitor);
                break;
            }
        }
        EndBatch("SADD"u8, 1);
    }

    private readonly struct MemberVisitor(AofBaseWriter<TView> writer) : ValueWalk.IEntryVisitor
    {
        public Span<byte> KeyScratch(int length) => writer.ScratchB(length);

        public void Visit(byte* entry, ReadOnlySpan<byte> key)
        {
            writer._items.AppendBulk(key);
            writer.ItemAdded("SADD"u8, 1);
        }
    }

    // ---- sorted sets: ZADD score member --------------------------------------------------------

    private void AppendScore(double score)
    {
        // rioWriteBulkDouble: fpconv_dtoa's shortest round-trip form ("inf", "1.5", "1e+20").
        Span<byte> text = stackalloc byte[NumberFormatter.MaxDoubleLength + 8];
        _items.AppendBulk(text[..NumberFormatter.FormatDoubleFpconv(score, text)]);
    }

    private void WriteSortedSet(byte* data, in ValueHeader h)
    {
        if (h.Encoding == ValueEncoding.ListPack)
        {
            byte* block = PointerAt(data);
            int used = _view.ReadStruct<int>(block);
            var bytes = _view.Read(block, used, ScratchA(used));
            fixed (byte* lp = bytes)
            {
                for (int pos = Listpack.HeaderSize; pos < used;)
                {
                    var member = Listpack.ReadItem(lp, pos, out pos);
                    double score = SortedSetValue.ReadScore(lp + pos, out int size);
                    pos += size;
                    AppendScore(score);
                    _items.AppendBulk(member);
                    ItemAdded("ZADD"u8, 2);
                }
            }
        }
        else
        {
            // The skiplist from the highest score down (the order does not matter to ZADD).
            var visitor = new ScoredVisitor(this);
            if (ValueWalk.SkipListFromTail(ref _view, data, ref visitor) != ValueWalk.SkipListLength(ref _view, data))
                throw new InvalidOperationException("skiplist shorter than its length");
        }
        EndBatch("ZADD"u8, 2);
    }

    private readonly struct ScoredVisitor(AofBaseWriter<TView> writer) : ValueWalk.IScoredVisitor
    {
        public Span<byte> MemberScratch(int length) => writer.ScratchA(length);

        public void Member(ReadOnlySpan<byte> member, double score)
        {
            writer.AppendScore(score);
            writer._items.AppendBulk(member);
            writer.ItemAdded("ZADD"u8, 2);
        }
    }

    // ---- hashes: HMSET field value, HSETEX for fields with a TTL ---------------------------------

    private void WriteHash(byte* data, in ValueHeader h)
    {
        if (h.Encoding == ValueEncoding.ListPack)
        {
            byte* block = PointerAt(data);
            int used = _view.ReadStruct<int>(block);
            var bytes = _view.Read(block, used, ScratchA(used));
            fixed (byte* lp = bytes)
            {
                for (int pos = Listpack.HeaderSize; pos < used;)
                {
                    AppendTagged(lp, ref pos);
                    AppendTagged(lp, ref pos);
                    ItemAdded("HMSET"u8, 2);
                }
            }
            EndBatch("HMSET"u8, 2);
            return;
        }
        var table = _root.Tables.Table(_view.ReadStruct<int>(data));
        var visitor = new FieldVisitor(this);
        // Valkey 9's rewriteHashObject writes the fields with a TTL first (one HSETEX each, from its
        // volatile-field index), then the other fields in HMSET batches: the same order here, with
        // two passes over the table when the hash has volatile fields.
        bool hasVolatile = (h.Flags & HashValue.VolatileFieldsFlag) != 0;
        if (hasVolatile)
        {
            _hashPass = HashPass.VolatileOnly;
            VisitTable(table, ref visitor);
        }
        _hashPass = hasVolatile ? HashPass.PersistentOnly : HashPass.All;
        VisitTable(table, ref visitor);
        EndBatch("HMSET"u8, 2);
        if (_volatileFields.Length > 0)
        {
            // Only if a field had a TTL while the hash's flag said none: after the batches.
            _buf.Append(_volatileFields.Span);
            _volatileFields.Length = 0;
        }
    }

    private enum HashPass : byte { All, VolatileOnly, PersistentOnly }

    private HashPass _hashPass;

    private void AppendTagged(byte* lp, ref int pos)
    {
        var text = Listpack.ReadTagged(lp, pos, out pos, out bool isInt, out long v);
        if (isInt) _items.AppendBulk(v);
        else _items.AppendBulk(text);
    }

    private NativeByteBuffer _volatileFields;

    private readonly struct FieldVisitor(AofBaseWriter<TView> writer) : ValueWalk.IEntryVisitor
    {
        public Span<byte> KeyScratch(int length) => writer.ScratchB(length);

        public void Visit(byte* entry, ReadOnlySpan<byte> key) => writer.WriteField(entry, key);
    }

    /// <summary>One field of a hashtable hash (its layout: <see cref="ViewLayouts.HashFieldValue"/>).</summary>
    private void WriteField(byte* entry, ReadOnlySpan<byte> field)
    {
        byte* payload = entry + KeyTable.PayloadOffset(field.Length);
        long expire = ViewLayouts.HashFieldValue(ref _view, payload, out int offset, out int length);
        if (expire >= 0)
        {
            if (_hashPass == HashPass.PersistentOnly) return;
            ref var o = ref _hashPass == HashPass.VolatileOnly ? ref _buf : ref _volatileFields;
            o.Append("*8\r\n$6\r\nHSETEX\r\n"u8);
            o.AppendBulk(Key);
            o.Append("$4\r\nPXAT\r\n"u8);
            o.AppendBulk(expire);
            o.Append("$6\r\nFIELDS\r\n$1\r\n1\r\n"u8);
            // field lives in the table scratch (B): copy it before the value read reuses A.
            o.AppendBulk(field);
            o.AppendBulk(_view.Read(payload + offset, length, ScratchA(length)));
            if (_buf.Length >= DrainBytes) Drain();
            return;
        }
        if (_hashPass == HashPass.VolatileOnly) return;
        _items.AppendBulk(field);
        _items.AppendBulk(_view.Read(payload + offset, length, ScratchA(length)));
        ItemAdded("HMSET"u8, 2);
    }

    // ---- key tables ----------------------------------------------------------------------------

    /// <summary>
    /// Every entry of a captured table (<see cref="ValueWalk.Table"/>). Keys are read into the scratch
    /// their visitor lends: database keys into A (copied before the value is read), nested tables'
    /// keys into B so values can be read into A.
    /// </summary>
    private void VisitTable<TVisitor>(KeyTableRoot table, ref TVisitor visitor) where TVisitor : struct, ValueWalk.IEntryVisitor
    {
        long seen = ValueWalk.Table(ref _view, table, ref visitor);
        if (seen != table.Count) throw new InvalidOperationException($"key table changed during the rewrite ({seen} entries, expected {table.Count})");
    }
}
