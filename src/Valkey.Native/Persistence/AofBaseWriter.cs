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
/// Hash fields with a TTL are written as <c>HSETEX key PXAT ms FIELDS 1 field value</c> each (the other
/// fields go in HMSET batches), which reloads the field and its absolute expiry in one command.
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
    private const int ListNodeHeader = ListValue.NodeHeaderSize;
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
                VisitTable(db.Keys, ref visitor, nested: false);
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

    private readonly struct KeyVisitor(AofBaseWriter<TView> writer, Func<bool>? keepGoing) : IEntryVisitor
    {
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
        long visited = 0;
        for (byte* n = first; n != null && visited < nodes; visited++)
        {
            byte* next = (byte*)_view.ReadStruct<nint>(n + 8);
            int used = _view.ReadStruct<int>(n + 16);
            int pad = _view.ReadStruct<int>(n + 28);
            var block = _view.Read(n, used, ScratchA(used));
            fixed (byte* raw = block)
            {
                if ((pad & 1) != 0)
                {
                    // A compressed node: [raw used 4][lzf bytes] after the header.
                    int rawUsed = *(int*)(raw + ListNodeHeader);
                    var plain = ScratchB(rawUsed);
                    int got = Lzf.Decompress(new ReadOnlySpan<byte>(raw + ListNodeHeader + 4, used - ListNodeHeader - 4),
                        plain.Slice(ListNodeHeader, rawUsed - ListNodeHeader));
                    if (got != rawUsed - ListNodeHeader) throw new InvalidOperationException("corrupt compressed list node");
                    fixed (byte* p = plain) AppendListElements(p, rawUsed);
                }
                else AppendListElements(raw, used);
            }
            n = next;
        }
        EndBatch("RPUSH"u8, 1);
    }

    /// <summary>Appends the elements of one raw node (ListValue's element format) to the RPUSH batch.</summary>
    private void AppendListElements(byte* node, int used)
    {
        for (int off = ListNodeHeader; off < used;)
        {
            var text = ListValue.ReadRaw(node, off, out off, out bool isInt, out long value);
            if (isInt) _items.AppendBulk(value);
            else _items.AppendBulk(text);
            ItemAdded("RPUSH"u8, 1);
        }
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
                VisitTable(table, ref visitor, nested: true);
                break;
            }
        }
        EndBatch("SADD"u8, 1);
    }

    private readonly struct MemberVisitor(AofBaseWriter<TView> writer) : IEntryVisitor
    {
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
            byte* list = PointerAt(data);
            var sl = _view.ReadStruct<SkipList>(list);
            long visited = 0;
            for (byte* n = (byte*)sl.Tail; n != null && visited < sl.Length; visited++)
            {
                var node = _view.ReadStruct<SkipListNode>(n);
                int length = _view.ReadStruct<int>(node.Entry + 12);
                AppendScore(node.Score);
                _items.AppendBulk(_view.Read(node.Entry + KeyTable.HeaderSize, length, ScratchA(length)));
                ItemAdded("ZADD"u8, 2);
                n = (byte*)node.Backward;
            }
        }
        EndBatch("ZADD"u8, 2);
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
        VisitTable(table, ref visitor, nested: true);
        EndBatch("HMSET"u8, 2);
        if (_volatileFields.Length > 0)
        {
            // The fields with a TTL, after the batches: HSETEX key PXAT ms FIELDS 1 field value.
            _buf.Append(_volatileFields.Span);
            _volatileFields.Length = 0;
        }
    }

    private void AppendTagged(byte* lp, ref int pos)
    {
        var text = Listpack.ReadTagged(lp, pos, out pos, out bool isInt, out long v);
        if (isInt) _items.AppendBulk(v);
        else _items.AppendBulk(text);
    }

    private NativeByteBuffer _volatileFields;

    private readonly struct FieldVisitor(AofBaseWriter<TView> writer) : IEntryVisitor
    {
        public void Visit(byte* entry, ReadOnlySpan<byte> key) => writer.WriteField(entry, key);
    }

    /// <summary>One field of a hashtable hash (its layout: <see cref="ViewLayouts.HashFieldValue"/>).</summary>
    private void WriteField(byte* entry, ReadOnlySpan<byte> field)
    {
        byte* payload = entry + KeyTable.PayloadOffset(field.Length);
        long expire = ViewLayouts.HashFieldValue(ref _view, payload, out int offset, out int length);
        if (expire >= 0)
        {
            ref var o = ref _volatileFields;
            o.Append("*8\r\n$6\r\nHSETEX\r\n"u8);
            o.AppendBulk(Key);
            o.Append("$4\r\nPXAT\r\n"u8);
            o.AppendBulk(expire);
            o.Append("$6\r\nFIELDS\r\n$1\r\n1\r\n"u8);
            // field lives in the table scratch (B): copy it before the value read reuses A.
            o.AppendBulk(field);
            o.AppendBulk(_view.Read(payload + offset, length, ScratchA(length)));
            return;
        }
        _items.AppendBulk(field);
        _items.AppendBulk(_view.Read(payload + offset, length, ScratchA(length)));
        ItemAdded("HMSET"u8, 2);
    }

    // ---- key tables ----------------------------------------------------------------------------

    private interface IEntryVisitor
    {
        void Visit(byte* entry, ReadOnlySpan<byte> key);
    }

    /// <summary>
    /// Every entry of a captured table, both bucket arrays (mid-rehash the moved buckets of table 0
    /// are empty). Keys are read into a scratch buffer: the database level uses A (the key
    /// is copied before the value is read), nested tables use B so values can be read into A.
    /// </summary>
    private void VisitTable<TVisitor>(KeyTableRoot table, ref TVisitor visitor, bool nested) where TVisitor : struct, IEntryVisitor
    {
        long seen = 0;
        VisitBuckets(table.Table0, table.Size0, ref visitor, ref seen, nested);
        VisitBuckets(table.Table1, table.Size1, ref visitor, ref seen, nested);
        if (seen != table.Count) throw new InvalidOperationException($"key table changed during the rewrite ({seen} entries, expected {table.Count})");
    }

    private void VisitBuckets<TVisitor>(byte** buckets, long size, ref TVisitor visitor, ref long seen, bool nested) where TVisitor : struct, IEntryVisitor
    {
        if (buckets == null) return;
        for (long i = 0; i < size; i++)
        {
            byte* e = (byte*)_view.ReadStruct<nint>((byte*)(buckets + i));
            while (e != null)
            {
                byte* next = (byte*)_view.ReadStruct<nint>(e);
                int keyLength = _view.ReadStruct<int>(e + 12);
                var span = nested ? ScratchB(keyLength) : ScratchA(keyLength);
                visitor.Visit(e, _view.Read(e + KeyTable.HeaderSize, keyLength, span));
                seen++;
                e = next;
            }
        }
    }
}
