using System.Buffers;
using Valkey.Native.Storage;
using Valkey.Native.Util;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// SORT and SORT_RO (Valkey's sort.c): sorts the elements of a list, a set or a sorted set
/// numerically or (ALPHA) as strings, by the elements themselves or by the values of other keys
/// (BY pattern, hash fields with <c>-&gt;</c>), returns them or values of other keys (GET, <c>#</c>),
/// with LIMIT and ASC/DESC, or stores the result as a list (STORE).
/// <para>Elements are copied out of the source first (pooled buffers), so later lookups and the
/// STORE over any key, the source included, cannot disturb them. Ties sort as Valkey's: a full
/// sort is stable (glibc's qsort is a merge sort), a BY sort with a LIMIT uses the same partial
/// quicksort as Valkey's pqsort, so equal elements come out in the same order.</para>
/// Not applicable here: the cluster-mode BY/GET slot checks and the ACL full-key-access check
/// (every user has full key access); the "sort from a script" rule (no scripting yet).
/// </summary>
public static unsafe class SortCommands
{
    private static readonly AclCategories SortAcl = AclCategories.Set | AclCategories.SortedSet | AclCategories.List | AclCategories.Dangerous;
    private const string SortComplexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).";
    private const string PatternNotes = "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort";
    private const string StoreNotes = "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array";

    public static readonly CommandSpec[] Commands =
    [
        new("sort", -2, CommandFlags.Write | CommandFlags.DenyOom, SortAcl, Sort)
        {
            Group = "generic", Since = "1.0.0", Complexity = SortComplexity,
            Summary = "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
            KeySpecs = [KeySpec.Index(1, RO | Access), KeySpec.Unknown(RO | Access, PatternNotes), KeySpec.Unknown(OW | Update, StoreNotes)],
            Keys = SortKeys,
        },
        new("sort_ro", -2, CommandFlags.ReadOnly, SortAcl, SortRo)
        {
            Group = "generic", Since = "7.0.0", Complexity = SortComplexity,
            Summary = "Returns the sorted elements of a list, a set, or a sorted set.",
            KeySpecs = [KeySpec.Index(1, RO | Access), KeySpec.Unknown(RO | Access, PatternNotes)],
            Keys = SortRoKeys,
        },
    ];

    // ---- key finders (sortGetKeys / sortROGetKeys) -------------------------------------------

    /// <summary>The sorted key, and the argument after the last STORE; LIMIT, GET and BY skip their arguments.</summary>
    private static void SortKeys(CommandContext ctx, List<KeyReference> keys)
    {
        keys.Add(new KeyReference(1, RO | Access));
        int store = -1;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "limit"u8)) i += 2;
            else if (ctx.ArgIs(i, "get"u8) || ctx.ArgIs(i, "by"u8)) i += 1;
            else if (ctx.ArgIs(i, "store"u8) && i + 1 < ctx.ArgCount) store = i + 1;
        }
        if (store > 0) keys.Add(new KeyReference(store, OW | Update));
    }

    private static void SortRoKeys(CommandContext ctx, List<KeyReference> keys) => keys.Add(new KeyReference(1, RO | Access));

    // ---- the command ---------------------------------------------------------------------------

    private static void Sort(CommandContext ctx) => SortGeneric(ctx, readOnly: false);

    private static void SortRo(CommandContext ctx) => SortGeneric(ctx, readOnly: true);

    private static void SortGeneric(CommandContext ctx, bool readOnly)
    {
        var o = new SortOptions();
        if (!ParseOptions(ctx, readOnly, ref o)) return;
        try
        {
            Execute(ctx, ref o);
        }
        finally
        {
            if (o.Gets != null) ArrayPool<int>.Shared.Return(o.Gets);
        }
    }

    /// <summary>What the arguments ask for; patterns and the STORE key are argument indexes (-1: none).</summary>
    private struct SortOptions
    {
        public bool Desc, Alpha, DontSort;
        public long LimitStart, LimitCount;
        public int By, Store;
        public int[]? Gets;
        public int GetCount;
    }

    /// <summary>The options, left to right as Valkey reads them; the last LIMIT/BY/STORE wins, GETs accumulate.</summary>
    private static bool ParseOptions(CommandContext ctx, bool readOnly, ref SortOptions o)
    {
        o.LimitCount = -1;
        o.By = o.Store = -1;
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            int left = ctx.ArgCount - j - 1;
            if (ctx.ArgIs(j, "asc"u8)) o.Desc = false;
            else if (ctx.ArgIs(j, "desc"u8)) o.Desc = true;
            else if (ctx.ArgIs(j, "alpha"u8)) o.Alpha = true;
            else if (ctx.ArgIs(j, "limit"u8) && left >= 2)
            {
                if (!ctx.TryGetInt64OrReply(j + 1, out o.LimitStart) || !ctx.TryGetInt64OrReply(j + 2, out o.LimitCount)) return Fail(ref o);
                j += 2;
            }
            else if (!readOnly && ctx.ArgIs(j, "store"u8) && left >= 1)
            {
                o.Store = ++j;
            }
            else if (ctx.ArgIs(j, "by"u8) && left >= 1)
            {
                o.By = ++j;
                // A pattern without '*' names one constant key: nothing to sort by (Valkey never clears this again).
                if (CString(ctx.Arg(j)).IndexOf((byte)'*') < 0) o.DontSort = true;
            }
            else if (ctx.ArgIs(j, "get"u8) && left >= 1)
            {
                o.Gets ??= ArrayPool<int>.Shared.Rent(ctx.ArgCount / 2);
                o.Gets[o.GetCount++] = ++j;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return Fail(ref o);
            }
        }
        return true;
    }

    private static bool Fail(ref SortOptions o)
    {
        if (o.Gets != null) ArrayPool<int>.Shared.Return(o.Gets);
        o.Gets = null;
        return false;
    }

    private static void Execute(CommandContext ctx, ref SortOptions o)
    {
        byte* entry = ctx.Db.LookupRead(ctx.Arg(1));
        ValueHeader* header = entry == null ? null : Database.Header(entry);
        DataType type = header == null ? DataType.List : header->Type;   // a missing key sorts as an empty list
        if (type != DataType.List && type != DataType.Set && type != DataType.SortedSet)
        {
            ctx.Reply.AddError(ErrorMessages.WrongType);
            return;
        }

        // An unsorted set would come out in hash order: with STORE it is sorted (ALPHA) so the
        // stored result is deterministic. Lists and sorted sets keep their own order.
        if (o.DontSort && type == DataType.Set && o.Store >= 0)
        {
            o.DontSort = false;
            o.Alpha = true;
            o.By = -1;
        }

        long length = header == null ? 0 : type switch
        {
            DataType.List => ListValue.Length(header),
            DataType.Set => SetValue.Count(ctx.Keyspace, header),
            _ => SortedSetLength(ctx, header),
        };

        // LIMIT, clamped to the object as Valkey does (start..end inclusive, possibly empty).
        long start = Math.Min(Math.Max(o.LimitStart, 0), length);
        long count = Math.Min(Math.Max(o.LimitCount, -1), length);
        long end = count < 0 ? length - 1 : start + count - 1;
        if (start >= length)
        {
            start = length - 1;
            end = length - 2;
        }
        if (end >= length) end = length - 1;

        // Lists and sorted sets that need no sorting load only the requested range.
        long vectorLength = length;
        bool rangeOnly = o.DontSort && type != DataType.Set;
        if (rangeOnly && (start != 0 || end != length - 1)) vectorLength = end - start + 1;

        using var state = new SortState((int)vectorLength, o.Alpha, o.Desc, o.By >= 0, o.Store >= 0);
        if (header != null && vectorLength > 0)
        {
            if (type == DataType.List && rangeOnly)
            {
                var visitor = new Collector(state);
                ListValue.VisitRange(header, o.Desc ? length - start - 1 : start, vectorLength, o.Desc, ref visitor);
            }
            else if (type == DataType.List)
            {
                var visitor = new Collector(state);
                ListValue.ForEach(header, ref visitor);
            }
            else if (type == DataType.Set)
            {
                var visitor = new Collector(state);
                SetValue.ForEach(ctx.Keyspace, header, ref visitor);
            }
            else if (rangeOnly)
            {
                CollectSortedSetRange(ctx, header, state, start, vectorLength, o.Desc);
            }
            else
            {
                CollectSortedSet(ctx, header, state);
            }
        }
        if (rangeOnly && end >= start)
        {
            // The range was loaded directly: the output runs over the whole (reduced) vector.
            end -= start;
            start = 0;
        }

        bool conversionError = false;
        if (!o.DontSort)
        {
            conversionError = LoadWeights(ctx, ref o, state);
            if (!conversionError)
            {
                if (o.By >= 0 && (start != 0 || end != vectorLength - 1)) state.PartialSort(start, end);
                else state.StableSort();
            }
        }

        long outputLength = (o.GetCount > 0 ? o.GetCount : 1) * (end - start + 1);
        if (conversionError) ctx.Reply.AddError(ErrorMessages.SortScoreNotDouble);
        else if (o.Store < 0) ReplyResult(ctx, ref o, state, (int)start, (int)end, outputLength);
        else StoreResult(ctx, ref o, state, (int)start, (int)end, outputLength);
    }

    /// <summary>
    /// Fills the weights: the value of the BY pattern for each element (or the element itself),
    /// parsed as a double for numeric sorts or kept as a string for ALPHA. True on a value that
    /// is not a double (every element is still visited, as Valkey does).
    /// </summary>
    private static bool LoadWeights(CommandContext ctx, ref SortOptions o, SortState state)
    {
        if (o.Alpha && o.By < 0) return false;   // ALPHA compares the elements themselves
        bool error = false;
        Span<byte> scratch = stackalloc byte[24];
        var pattern = o.By >= 0 ? ctx.Arg(o.By) : default;
        for (int j = 0; j < state.Count; j++)
        {
            scoped ReadOnlySpan<byte> weight;
            if (o.By >= 0)
            {
                if (!LookupByPattern(ctx, pattern, state.Element(j), state, scratch, out weight)) continue;
            }
            else
            {
                weight = state.Element(j);
            }
            if (o.Alpha) state.SetCompareValue(j, weight);
            else if (!TryParseWeight(weight, out state.Items[j].Score)) error = true;
        }
        return error;
    }

    private static void ReplyResult(CommandContext ctx, ref SortOptions o, SortState state, int start, int end, long outputLength)
    {
        var reply = ctx.Reply;
        reply.AddArrayLength(outputLength);
        Span<byte> scratch = stackalloc byte[24];
        for (int j = start; j <= end; j++)
        {
            if (o.GetCount == 0) reply.AddBulk(state.Element(j));
            for (int g = 0; g < o.GetCount; g++)
            {
                if (LookupByPattern(ctx, ctx.Arg(o.Gets![g]), state.Element(j), state, scratch, out var value)) reply.AddBulk(value);
                else reply.AddNull();
            }
        }
    }

    /// <summary>STORE: the result replaces the destination as a list (missing GET values as empty strings); an empty result deletes it.</summary>
    private static void StoreResult(CommandContext ctx, ref SortOptions o, SortState state, int start, int end, long outputLength)
    {
        var key = ctx.Arg(o.Store);
        if (outputLength == 0)
        {
            if (ctx.Db.Delete(key))
            {
                ctx.KeyChanged(NotifyClass.Generic, "del", key);
                ctx.MarkDirty(1);
            }
            ctx.Reply.AddInteger(0);
            return;
        }

        // Collect the output before touching the keyspace: GET lookups read other keys.
        var output = new ByteList((int)Math.Min(outputLength, int.MaxValue));
        try
        {
            Span<byte> scratch = stackalloc byte[24];
            for (int j = start; j <= end; j++)
            {
                if (o.GetCount == 0) output.Add(state.Element(j));
                for (int g = 0; g < o.GetCount; g++)
                {
                    output.Add(LookupByPattern(ctx, ctx.Arg(o.Gets![g]), state.Element(j), state, scratch, out var value) ? value : default);
                }
            }

            var limits = ctx.Server.ListLimits;
            ctx.Db.Delete(key);
            byte* entry = ctx.Db.Add(key, DataType.List, ValueEncoding.ListPack, 8);
            ValueHeader* h = Database.Header(entry);
            ListValue.InitEmpty(ctx.Keyspace, h);
            ListValue.TryConvertForGrowth(ctx.Keyspace, h, limits, output.TotalBytes, output.Count);
            for (int i = 0; i < output.Count; i++) ListValue.Push(ctx.Keyspace, h, output[i], head: false, limits);
        }
        finally
        {
            output.Dispose();
        }
        ctx.KeyChanged(NotifyClass.List, "sortstore", key);
        ctx.MarkDirty(outputLength);
        ctx.Reply.AddInteger(outputLength);
    }

    // ---- sorted sets (the only place that knows the sorted-set value) ----------------------

    /// <summary>
    /// The member count. Valkey converts a listpack sorted set to a skiplist before sorting it
    /// (zsetConvert, even for SORT_RO), which OBJECT ENCODING shows afterwards: so do we.
    /// </summary>
    private static long SortedSetLength(CommandContext ctx, ValueHeader* header)
    {
        SortedSetValue.ConvertToSkipList(ctx.Keyspace, header);
        return SortedSetValue.Count(ctx.Keyspace, header);
    }

    /// <summary>
    /// Every member, to be sorted. Valkey reads them in its member dictionary's hash order, which
    /// only shows in the order of ties (ALPHA with BY); here they come in score order.
    /// </summary>
    private static void CollectSortedSet(CommandContext ctx, ValueHeader* header, SortState state)
    {
        var visitor = new Collector(state);
        SortedSetValue.ForEach(ctx.Keyspace, header, ref visitor);
    }

    /// <summary>
    /// BY without '*': <paramref name="count"/> members in score order from rank <paramref name="start"/>,
    /// counted from the highest score when <paramref name="desc"/>.
    /// </summary>
    private static void CollectSortedSetRange(CommandContext ctx, ValueHeader* header, SortState state, long start, long count, bool desc)
    {
        var visitor = new Collector(state);
        SortedSetValue.VisitRankRange(ctx.Keyspace, header, start, count, desc, ref visitor);
    }

    // ---- patterns ------------------------------------------------------------------------------

    /// <summary>
    /// lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is replaced by the
    /// element and the key read: a string's value, or with "key-&gt;field" (a non-empty field after
    /// the '*') a hash field. False when the pattern has no '*', the key is missing or of another
    /// type, or the field is missing. Patterns are C strings here: a NUL byte ends the search.
    /// </summary>
    private static bool LookupByPattern(CommandContext ctx, ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> element, SortState state,
        Span<byte> scratch, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (pattern.Length > 0 && pattern[0] == '#' && (pattern.Length == 1 || pattern[1] == 0))
        {
            value = element;
            return true;
        }
        var text = CString(pattern);
        int star = text.IndexOf((byte)'*');
        if (star < 0) return false;
        int arrow = text[(star + 1)..].IndexOf("->"u8);
        int fieldLength = 0;
        if (arrow >= 0)
        {
            arrow += star + 1;
            if (arrow + 2 < text.Length) fieldLength = pattern.Length - arrow - 2;
        }
        int postfixLength = pattern.Length - star - 1 - (fieldLength > 0 ? fieldLength + 2 : 0);
        var key = state.BuildKey(pattern[..star], element, pattern.Slice(star + 1, postfixLength));

        byte* entry = ctx.Db.LookupRead(key);
        if (entry == null) return false;
        ValueHeader* h = Database.Header(entry);
        if (fieldLength > 0)
        {
            if (h->Type != DataType.Hash) return false;
            return HashValue.TryGet(ctx.Keyspace, h, pattern[^fieldLength..], out value);
        }
        if (h->Type != DataType.String) return false;
        value = StringValue.Read(h, scratch);
        return true;
    }

    /// <summary>The bytes before the first NUL: what C string functions see of an argument.</summary>
    private static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> s)
    {
        int nul = s.IndexOf((byte)0);
        return nul < 0 ? s : s[..nul];
    }

    /// <summary>
    /// A weight as C's strtod() reads it for SORT: leading white space skipped, the whole rest
    /// consumed up to an optional NUL, no NaN and no overflow/underflow (ERANGE). An empty string
    /// converts nothing and ends right away: it weighs 0.
    /// </summary>
    private static bool TryParseWeight(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        s = CString(s);
        if (s.IsEmpty) return true;
        int i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r') i++;
        if (i == s.Length) return false;   // nothing converted: strtod stops on the white space
        if (!NumberParser.TryParseDouble(s[i..], out value)) return false;
        // glibc also reports an inexact result in the subnormal range as an underflow (ERANGE).
        if (double.IsSubnormal(value) && !IsExactSubnormal(s[i..], value)) return false;
        return true;
    }

    /// <summary>
    /// Whether <paramref name="text"/> (a number strtod accepted) is exactly the subnormal
    /// <paramref name="value"/>, i.e. glibc did not have to round it. Rare: big integers are fine.
    /// </summary>
    private static bool IsExactSubnormal(ReadOnlySpan<byte> text, double value)
    {
        if (text[0] is (byte)'+' or (byte)'-') text = text[1..];
        bool hex = text.Length > 1 && text[0] == '0' && (text[1] | 0x20) == 'x';
        if (hex) text = text[2..];
        var digits = System.Numerics.BigInteger.Zero;
        int digitCount = 0;
        long scale = 0;   // value = digits * base^scale (hex: 2^scale)
        bool point = false;
        int pos = 0;
        for (; pos < text.Length; pos++)
        {
            byte c = text[pos];
            if (c == '.') { point = true; continue; }
            int d = hex ? NumberParser.HexDigitValue(c) : (uint)(c - '0') <= 9 ? c - '0' : -1;
            if (d < 0) break;
            digits = digits * (hex ? 16 : 10) + d;
            if (!digits.IsZero) digitCount++;
            if (point) scale -= hex ? 4 : 1;
        }
        if (pos < text.Length)
        {
            // The exponent: 'p' (binary) for hex, 'e' (decimal) otherwise; saturate silly lengths.
            var exponentText = text[(pos + 1)..];
            bool negative = exponentText.Length > 0 && exponentText[0] == '-';
            if (exponentText.Length > 0 && exponentText[0] is (byte)'+' or (byte)'-') exponentText = exponentText[1..];
            long e = 0;
            foreach (byte c in exponentText) e = Math.Min(e * 10 + (c - '0'), 1L << 40);
            scale += negative ? -e : e;
        }
        // |value| = mantissa * 2^-1074; exact when digits * base^scale * 2^1074 == mantissa.
        var mantissa = new System.Numerics.BigInteger(BitConverter.DoubleToUInt64Bits(Math.Abs(value)));
        if (hex)
        {
            long shift = scale + 1074;
            if (shift >= 0) return shift < 64 && digits << (int)shift == mantissa;
            if (-shift > 4L * digitCount + 64) return false;
            return digits == mantissa << (int)-shift;
        }
        if (scale >= 0) return false;   // at least 2^1074 times too big
        // 10^-scale must divide digits * 2^1074, so 5^-scale divides digits: bounded by its length.
        if (-scale > 2L * digitCount + 16) return false;
        return digits << 1074 == mantissa * System.Numerics.BigInteger.Pow(10, (int)-scale);
    }

    // ---- the sort vector -------------------------------------------------------------------

    /// <summary>One element: its bytes in <see cref="SortState"/>'s buffer, its numeric weight, its ALPHA BY value (-1: none).</summary>
    private struct SortItem
    {
        public int Offset, Length;
        public double Score;
        public int CompareOffset, CompareLength;
    }

    /// <summary>Receives elements from lists, sets and sorted sets into the sort vector.</summary>
    private readonly struct Collector(SortState state) : IListVisitor, ISetVisitor, ISortedSetVisitor
    {
        public void Visit(ReadOnlySpan<byte> element) => state.AddElement(element);

        public void Visit(ReadOnlySpan<byte> member, double score) => state.AddElement(member);
    }

    /// <summary>The sort vector and its byte buffers, all pooled; also the comparison (sortCompare).</summary>
    private sealed class SortState : IDisposable
    {
        private readonly bool _alpha, _desc, _byPattern, _store;
        public SortItem[] Items;
        public int Count;
        private byte[] _bytes;
        private int _used;
        private byte[] _compareBytes = [];
        private int _compareUsed;
        private byte[] _key = [];

        public SortState(int capacity, bool alpha, bool desc, bool byPattern, bool store)
        {
            _alpha = alpha;
            _desc = desc;
            _byPattern = byPattern;
            _store = store;
            Items = capacity > 0 ? ArrayPool<SortItem>.Shared.Rent(capacity) : [];
            _bytes = capacity > 0 ? ArrayPool<byte>.Shared.Rent(Math.Min(capacity, 1 << 20) * 16) : [];
        }

        public void AddElement(ReadOnlySpan<byte> element)
        {
            Reserve(ref _bytes, _used, element.Length);
            element.CopyTo(_bytes.AsSpan(_used));
            Items[Count++] = new SortItem { Offset = _used, Length = element.Length, CompareLength = -1 };
            _used += element.Length;
        }

        public ReadOnlySpan<byte> Element(int i) => _bytes.AsSpan(Items[i].Offset, Items[i].Length);

        public void SetCompareValue(int i, ReadOnlySpan<byte> value)
        {
            Reserve(ref _compareBytes, _compareUsed, value.Length);
            value.CopyTo(_compareBytes.AsSpan(_compareUsed));
            Items[i].CompareOffset = _compareUsed;
            Items[i].CompareLength = value.Length;
            _compareUsed += value.Length;
        }

        /// <summary>prefix + element + postfix in a reused buffer (valid until the next call).</summary>
        public ReadOnlySpan<byte> BuildKey(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> element, ReadOnlySpan<byte> postfix)
        {
            int length = prefix.Length + element.Length + postfix.Length;
            if (_key.Length < length)
            {
                if (_key.Length > 0) ArrayPool<byte>.Shared.Return(_key);
                _key = ArrayPool<byte>.Shared.Rent(length);
            }
            prefix.CopyTo(_key);
            element.CopyTo(_key.AsSpan(prefix.Length));
            postfix.CopyTo(_key.AsSpan(prefix.Length + element.Length));
            return _key.AsSpan(0, length);
        }

        private static void Reserve(ref byte[] buffer, int used, int more)
        {
            long needed = (long)used + more;
            if (needed <= buffer.Length) return;
            var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(needed, 2L * buffer.Length), Array.MaxLength));
            buffer.AsSpan(0, used).CopyTo(bigger);
            if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
            buffer = bigger;
        }

        /// <summary>sortCompare: numeric by weight then by the elements' bytes; ALPHA by the BY values (missing first) or the elements.</summary>
        private int Compare(in SortItem a, in SortItem b)
        {
            int cmp;
            if (!_alpha)
            {
                if (a.Score > b.Score) cmp = 1;
                else if (a.Score < b.Score) cmp = -1;
                else cmp = Bytes(a).SequenceCompareTo(Bytes(b));
            }
            else if (_byPattern)
            {
                if (a.CompareLength < 0 || b.CompareLength < 0)
                    cmp = a.CompareLength < 0 ? (b.CompareLength < 0 ? 0 : -1) : 1;
                else cmp = CompareStrings(CompareBytes(a), CompareBytes(b));
            }
            else
            {
                cmp = CompareStrings(Bytes(a), Bytes(b));
            }
            return _desc ? -cmp : cmp;
        }

        /// <summary>
        /// ALPHA order: binary (memcmp, then length) for STORE; otherwise strcoll() in the C locale,
        /// i.e. byte order up to the first NUL.
        /// </summary>
        private int CompareStrings(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
            _store ? a.SequenceCompareTo(b) : CString(a).SequenceCompareTo(CString(b));

        private ReadOnlySpan<byte> Bytes(in SortItem item) => _bytes.AsSpan(item.Offset, item.Length);

        private ReadOnlySpan<byte> CompareBytes(in SortItem item) => _compareBytes.AsSpan(item.CompareOffset, item.CompareLength);

        /// <summary>A stable merge sort of the whole vector: glibc's qsort keeps equal elements in their order.</summary>
        public void StableSort()
        {
            if (Count < 2) return;
            var temp = ArrayPool<SortItem>.Shared.Rent(Count);
            try
            {
                MergeSort(Items, temp, 0, Count);
            }
            finally
            {
                ArrayPool<SortItem>.Shared.Return(temp);
            }
        }

        private void MergeSort(SortItem[] a, SortItem[] temp, int from, int n)
        {
            if (n < 2) return;
            int n1 = n / 2, n2 = n - n1;
            MergeSort(a, temp, from, n1);
            MergeSort(a, temp, from + n1, n2);
            int i = from, j = from + n1, k = 0;
            int iEnd = from + n1, jEnd = from + n;
            while (i < iEnd && j < jEnd) temp[k++] = Compare(a[i], a[j]) <= 0 ? a[i++] : a[j++];
            while (i < iEnd) temp[k++] = a[i++];
            // What is left of the second half is already in place.
            Array.Copy(temp, 0, a, from, k);
        }

        /// <summary>
        /// Valkey's pqsort: Bentley &amp; McIlroy's quicksort that only recurses into partitions
        /// overlapping [<paramref name="left"/>, <paramref name="right"/>], step for step so that
        /// equal elements end up where Valkey puts them.
        /// </summary>
        public void PartialSort(long left, long right) => PartialQuickSort(0, Count, left, right);

        private void PartialQuickSort(int a, int n, long left, long right)
        {
            var v = Items;
            while (true)
            {
                if (n < 7)
                {
                    for (int m = a + 1; m < a + n; m++)
                        for (int l = m; l > a && Compare(v[l - 1], v[l]) > 0; l--) Swap(l, l - 1);
                    return;
                }
                int pm = a + n / 2;
                if (n > 7)
                {
                    int pl = a, pn = a + n - 1;
                    if (n > 40)
                    {
                        int d = n / 8;
                        pl = Median3(pl, pl + d, pl + 2 * d);
                        pm = Median3(pm - d, pm, pm + d);
                        pn = Median3(pn - 2 * d, pn - d, pn);
                    }
                    pm = Median3(pl, pm, pn);
                }
                Swap(a, pm);
                int pa = a + 1, pb = a + 1;
                int pc = a + n - 1, pd = a + n - 1;
                while (true)
                {
                    int r;
                    while (pb <= pc && (r = Compare(v[pb], v[a])) <= 0)
                    {
                        if (r == 0) Swap(pa++, pb);
                        pb++;
                    }
                    while (pb <= pc && (r = Compare(v[pc], v[a])) >= 0)
                    {
                        if (r == 0) Swap(pc, pd--);
                        pc--;
                    }
                    if (pb > pc) break;
                    Swap(pb++, pc--);
                }
                int end = a + n;
                int s = Math.Min(pa - a, pb - pa);
                SwapBlocks(a, pb - s, s);
                s = Math.Min(pd - pc, end - pd - 1);
                SwapBlocks(pb, end - s, s);
                if ((s = pb - pa) > 1 && Overlaps(a, s, left, right)) PartialQuickSort(a, s, left, right);
                if ((s = pd - pc) > 1)
                {
                    a = end - s;
                    n = s;
                    if (Overlaps(a, n, left, right)) continue;
                }
                return;
            }
        }

        /// <summary>pqsort's test in element terms: the partition [from, from+n) meets [left, right].</summary>
        private static bool Overlaps(int from, int n, long left, long right) => !(right < from || left > from + n - 1);

        private int Median3(int a, int b, int c)
        {
            var v = Items;
            return Compare(v[a], v[b]) < 0
                ? (Compare(v[b], v[c]) < 0 ? b : (Compare(v[a], v[c]) < 0 ? c : a))
                : (Compare(v[b], v[c]) > 0 ? b : (Compare(v[a], v[c]) < 0 ? a : c));
        }

        private void Swap(int i, int j) => (Items[i], Items[j]) = (Items[j], Items[i]);

        private void SwapBlocks(int i, int j, int n)
        {
            for (int k = 0; k < n; k++) Swap(i + k, j + k);
        }

        public void Dispose()
        {
            if (Items.Length > 0) ArrayPool<SortItem>.Shared.Return(Items);
            if (_bytes.Length > 0) ArrayPool<byte>.Shared.Return(_bytes);
            if (_compareBytes.Length > 0) ArrayPool<byte>.Shared.Return(_compareBytes);
            if (_key.Length > 0) ArrayPool<byte>.Shared.Return(_key);
            Items = [];
            _bytes = _compareBytes = _key = [];
        }
    }

    /// <summary>The STORE output: byte strings packed in one pooled buffer.</summary>
    private struct ByteList : IDisposable
    {
        private byte[] _bytes;
        private (int Offset, int Length)[] _items;
        public int Count;
        public long TotalBytes;

        public ByteList(int capacity)
        {
            _items = ArrayPool<(int, int)>.Shared.Rent(Math.Max(capacity, 1));
            _bytes = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(capacity, 1), 1 << 20) * 16);
        }

        public void Add(ReadOnlySpan<byte> value)
        {
            int used = (int)TotalBytes;
            if (used + (long)value.Length > _bytes.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(used + (long)value.Length, 2L * _bytes.Length), Array.MaxLength));
                _bytes.AsSpan(0, used).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_bytes);
                _bytes = bigger;
            }
            value.CopyTo(_bytes.AsSpan(used));
            _items[Count++] = (used, value.Length);
            TotalBytes += value.Length;
        }

        public readonly ReadOnlySpan<byte> this[int i] => _bytes.AsSpan(_items[i].Offset, _items[i].Length);

        public void Dispose()
        {
            ArrayPool<(int, int)>.Shared.Return(_items);
            ArrayPool<byte>.Shared.Return(_bytes);
        }
    }
}
