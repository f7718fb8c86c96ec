using Valkey.Native.Protocol;
using Valkey.Native.Storage;
using Valkey.Native.Util;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// Type-agnostic key commands (Valkey's db.c): DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX,
/// COPY, TOUCH, RANDOMKEY, KEYS and SCAN.
/// </summary>
public static unsafe class KeyCommands
{
    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("del", -2, CommandFlags.Write,
            AclCategories.Keyspace | AclCategories.Write | AclCategories.Slow, Del)
        {
            Group = "generic", Summary = "Deletes one or more keys.", Since = "1.0.0",
            Complexity = "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
            KeySpecs = [KeySpec.Index(1, RM | Delete, lastKey: -1)],
            Tips = ["request_policy:multi_shard", "response_policy:agg_sum"],
        },
        new CommandSpec("unlink", -2, CommandFlags.Write | CommandFlags.Fast,
            AclCategories.Keyspace | AclCategories.Write | AclCategories.Fast, Unlink)
        {
            Group = "generic", Summary = "Asynchronously deletes one or more keys.", Since = "4.0.0",
            Complexity = "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
            KeySpecs = [KeySpec.Index(1, RM | Delete, lastKey: -1)],
            Tips = ["request_policy:multi_shard", "response_policy:agg_sum"],
        },
        new CommandSpec("exists", -2, CommandFlags.ReadOnly | CommandFlags.Fast,
            AclCategories.Keyspace | AclCategories.Read | AclCategories.Fast, Exists)
        {
            Group = "generic", Summary = "Determines whether one or more keys exist.", Since = "1.0.0",
            Complexity = "O(N) where N is the number of keys to check.",
            KeySpecs = [KeySpec.Index(1, RO, lastKey: -1)],
            Tips = ["request_policy:multi_shard", "response_policy:agg_sum"],
            History = [("3.0.3", "Accepts multiple `key` arguments.")],
        },
        new CommandSpec("type", 2, CommandFlags.ReadOnly | CommandFlags.Fast,
            AclCategories.Keyspace | AclCategories.Read | AclCategories.Fast, Type)
        {
            Group = "generic", Summary = "Determines the type of value stored at a key.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RO)],
        },
        new CommandSpec("rename", 3, CommandFlags.Write,
            AclCategories.Keyspace | AclCategories.Write | AclCategories.Slow, Rename)
        {
            Group = "generic", Summary = "Renames a key and overwrites the destination.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Delete), KeySpec.Index(2, OW | Update)],
        },
        new CommandSpec("renamenx", 3, CommandFlags.Write | CommandFlags.Fast,
            AclCategories.Keyspace | AclCategories.Write | AclCategories.Fast, RenameNx)
        {
            Group = "generic", Summary = "Renames a key only when the target key name doesn't exist.", Since = "1.0.0", Complexity = "O(1)",
            KeySpecs = [KeySpec.Index(1, RW | Access | Delete), KeySpec.Index(2, OW | Insert)],
            History = [("3.2.0", "The command no longer returns an error when source and destination names are the same.")],
        },
        new CommandSpec("copy", -3, CommandFlags.Write | CommandFlags.DenyOom,
            AclCategories.Keyspace | AclCategories.Write | AclCategories.Slow, Copy)
        {
            Group = "generic", Summary = "Copies the value of a key to a new key.", Since = "6.2.0",
            Complexity = "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
            KeySpecs = [KeySpec.Index(1, RO | Access), KeySpec.Index(2, OW | Update)],
        },
        new CommandSpec("touch", -2, CommandFlags.ReadOnly | CommandFlags.Fast,
            AclCategories.Keyspace | AclCategories.Read | AclCategories.Fast, Touch)
        {
            Group = "generic", Since = "3.2.1",
            Summary = "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
            Complexity = "O(N) where N is the number of keys that will be touched.",
            KeySpecs = [KeySpec.Index(1, RO, lastKey: -1)],
            Tips = ["request_policy:multi_shard", "response_policy:agg_sum"],
        },
        new CommandSpec("randomkey", 1, CommandFlags.ReadOnly | CommandFlags.TouchesArbitraryKeys,
            AclCategories.Keyspace | AclCategories.Read | AclCategories.Slow, RandomKey)
        {
            Group = "generic", Summary = "Returns a random key name from the database.", Since = "1.0.0", Complexity = "O(1)",
            Tips = ["request_policy:all_shards", "response_policy:special", "nondeterministic_output"],
        },
        new CommandSpec("keys", 2, CommandFlags.ReadOnly,
            AclCategories.Keyspace | AclCategories.Dangerous | AclCategories.Read | AclCategories.Slow, Keys)
        {
            Group = "generic", Summary = "Returns all key names that match a pattern.", Since = "1.0.0",
            Complexity = "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
            Tips = ["request_policy:all_shards", "nondeterministic_output_order"],
        },
        new CommandSpec("scan", -2, CommandFlags.ReadOnly | CommandFlags.TouchesArbitraryKeys,
            AclCategories.Keyspace | AclCategories.Read | AclCategories.Slow, Scan)
        {
            Group = "generic", Summary = "Iterates over the key names in the database.", Since = "2.8.0",
            Complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
            Tips = ["nondeterministic_output", "request_policy:special", "response_policy:special"],
            History = [("6.0.0", "Added the `TYPE` subcommand.")],
        },
    ];

    // ---- DEL / UNLINK / EXISTS / TYPE / TOUCH -----------------------------------------------

    /// <summary>DEL frees at once unless lazyfree-lazy-user-del makes it behave as UNLINK.</summary>
    private static void Del(CommandContext ctx) => DeleteKeys(ctx, ctx.Server.Config.LazyfreeLazyUserDel);

    /// <summary>UNLINK hands values that are expensive to free to the lazy-free worker.</summary>
    private static void Unlink(CommandContext ctx) => DeleteKeys(ctx, lazy: true);

    private static void DeleteKeys(CommandContext ctx, bool lazy)
    {
        Database db = ctx.Db;
        long deleted = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            var key = ctx.Arg(i);
            // The write lookup reclaims an expired key first (it emits "expired", not "del"),
            // so an expired key does not count as deleted.
            byte* entry = db.Lookup(key, LookupFlags.Write | LookupFlags.NoTouch);
            if (entry != null)
            {
                if (lazy) db.DeleteEntryLazy(entry);
                else db.DeleteEntrySync(entry);
            }
            else if (db.Keyspace.LazyExpireDeletes || !db.Delete(key))
            {
                // Where lazy expiry may not delete (a replica), an expired key is still there
                // and the DEL its primary sends for it must remove it, as dbSyncDelete does.
                continue;
            }
            ctx.KeyChanged(NotifyClass.Generic, "del", key);
            ctx.MarkDirty();
            deleted++;
        }
        ctx.Reply.AddInteger(deleted);
    }

    private static void Exists(CommandContext ctx)
    {
        Database db = ctx.Db;
        long count = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            if (db.Lookup(ctx.Arg(i), LookupFlags.NoTouch) != null) count++;
        }
        ctx.Reply.AddInteger(count);
    }

    private static void Type(CommandContext ctx)
    {
        byte* entry = ctx.Db.Lookup(ctx.Arg(1), LookupFlags.NoTouch);
        ctx.Reply.AddSimpleString(entry == null ? "none" : ValueNames.TypeName(Database.Header(entry)->Type));
    }

    /// <summary>A plain read lookup per key: it is the access-time update that TOUCH is for.</summary>
    private static void Touch(CommandContext ctx)
    {
        Database db = ctx.Db;
        long count = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            if (db.LookupRead(ctx.Arg(i)) != null) count++;
        }
        ctx.Reply.AddInteger(count);
    }

    // ---- RENAME / RENAMENX / COPY -----------------------------------------------------------

    private static void Rename(CommandContext ctx) => RenameGeneric(ctx, nx: false);
    private static void RenameNx(CommandContext ctx) => RenameGeneric(ctx, nx: true);

    private static void RenameGeneric(CommandContext ctx, bool nx)
    {
        Database db = ctx.Db;
        var source = ctx.Arg(1);
        var target = ctx.Arg(2);
        byte* entry = db.LookupWrite(source);
        if (entry == null)
        {
            ctx.Reply.AddError(ErrorMessages.NoSuchKey);
            return;
        }
        // Renaming a key onto itself changes nothing, but the key must still exist.
        if (source.SequenceEqual(target))
        {
            if (nx) ctx.Reply.AddInteger(0);
            else ctx.Reply.AddOk();
            return;
        }

        byte* existing = db.LookupWrite(target);
        if (existing != null)
        {
            if (nx)
            {
                ctx.Reply.AddInteger(0);
                return;
            }
            // Overwritten silently: Valkey emits no "del" for the old target.
            db.DeleteEntry(existing);
        }
        else
        {
            DatabaseCommands.RemoveStaleExpired(db, target);
        }
        // The value moves with its TTL; the target's old TTL went with the deleted entry.
        db.MoveValueFrom(db, entry, target, keepTtl: true);
        ctx.KeyChanged(NotifyClass.Generic, "rename_from", source);
        ctx.KeyChanged(NotifyClass.Generic, "rename_to", target);
        ctx.MarkDirty();
        if (nx) ctx.Reply.AddInteger(1);
        else ctx.Reply.AddOk();
    }

    private static void Copy(CommandContext ctx)
    {
        Database src = ctx.Db;
        Database dst = src;
        bool replace = false;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            if (ctx.ArgIs(j, "replace"u8))
            {
                replace = true;
            }
            else if (ctx.ArgIs(j, "db"u8) && j + 1 < ctx.ArgCount)
            {
                Database? chosen = DatabaseCommands.GetDatabaseOrReply(ctx, j + 1);
                if (chosen == null) return;
                dst = chosen;
                j++;
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }

        var key = ctx.Arg(1);
        var newKey = ctx.Arg(2);
        if (src == dst && key.SequenceEqual(newKey))
        {
            ctx.Reply.AddError(ErrorMessages.SameObject);
            return;
        }

        // The source is read (hit/miss stats, access time), the target looked up for writing.
        byte* entry = src.LookupRead(key);
        if (entry == null)
        {
            ctx.Reply.AddInteger(0);
            return;
        }
        byte* existing = dst.LookupWrite(newKey);
        if (existing != null)
        {
            if (!replace)
            {
                ctx.Reply.AddInteger(0);
                return;
            }
            dst.DeleteEntry(existing);
        }
        else
        {
            DatabaseCommands.RemoveStaleExpired(dst, newKey);
        }
        // A deep copy, TTL included; the source entry stays valid across the delete above
        // because entries never move unless they themselves are resized or freed.
        dst.CopyValueFrom(entry, newKey);
        DatabaseCommands.KeyChangedIn(ctx, dst, NotifyClass.Generic, "copy_to", newKey);
        ctx.MarkDirty();
        ctx.Reply.AddInteger(1);
    }

    // ---- RANDOMKEY ----------------------------------------------------------------------------

    private static void RandomKey(CommandContext ctx)
    {
        Database db = ctx.Db;
        byte* entry = db.RandomLiveEntry();
        // RandomLiveEntry gives up after a bounded number of expired picks; each of those was
        // reclaimed, so retrying makes progress and ends with a live key or an empty database,
        // as Valkey's dbRandomKey loop does. Without lazy deletion (a replica) nothing is
        // reclaimed, so one bounded attempt is all there is.
        while (entry == null && db.Count > 0 && db.Keyspace.LazyExpireDeletes)
        {
            entry = db.RandomLiveEntry();
        }
        if (entry == null)
        {
            ctx.Reply.AddNull();
            return;
        }
        ctx.Reply.AddBulk(Database.KeyOf(entry));
    }

    // ---- KEYS ---------------------------------------------------------------------------------

    private static void Keys(CommandContext ctx)
    {
        var pattern = ctx.Arg(1);
        var reply = ctx.Reply;
        int handle = reply.BeginDeferredLength();
        fixed (byte* p = pattern)
        {
            var writer = new KeysWriter(reply, ctx.Db, p, pattern.Length);
            ctx.Db.Table.ForEach(ref writer);
            reply.SetDeferredArrayLength(handle, writer.Count);
        }
    }

    /// <summary>Writes each live key matching the pattern straight into the reply.</summary>
    private struct KeysWriter : IKeyTableVisitor
    {
        private readonly ReplyWriter _reply;
        private readonly Database _db;
        private readonly byte* _pattern;
        private readonly int _patternLength;
        private readonly bool _all;
        public long Count;

        public KeysWriter(ReplyWriter reply, Database db, byte* pattern, int patternLength)
        {
            _reply = reply;
            _db = db;
            _pattern = pattern;
            _patternLength = patternLength;
            _all = patternLength == 1 && pattern[0] == (byte)'*';
            Count = 0;
        }

        public void Visit(byte* entry)
        {
            var key = Database.KeyOf(entry);
            if (!_all && !GlobMatcher.IsMatch(new ReadOnlySpan<byte>(_pattern, _patternLength), key)) return;
            // Logically expired keys are hidden but not deleted: KEYS is read-only.
            if (_db.IsExpired(entry)) return;
            _reply.AddBulk(key);
            Count++;
        }
    }

    // ---- SCAN ---------------------------------------------------------------------------------

    /// <summary>Entries found by the current SCAN; reused, the command thread is the only user.</summary>
    private static readonly List<nint> ScanFound = new();

    /// <summary>
    /// Parses a SCAN/HSCAN/SSCAN/ZSCAN cursor as Valkey's parseScanCursorOrReply does; replies
    /// "ERR invalid cursor" and returns false when it is not one.
    /// </summary>
    public static bool TryParseCursorOrReply(CommandContext ctx, int index, out ulong cursor)
    {
        if (TryParseCursor(ctx.Arg(index), out cursor)) return true;
        ctx.Reply.AddError("ERR invalid cursor"u8);
        return false;
    }

    /// <summary>
    /// Valkey's string2ull: a canonical non-negative 64-bit integer, or else whatever C's
    /// strtoull accepts in full (leading spaces, a sign, leading zeros, values above
    /// LLONG_MAX; a '-' negates modulo 2^64). The argument is a C string there, so an
    /// embedded NUL ends it.
    /// </summary>
    internal static bool TryParseCursor(ReadOnlySpan<byte> text, out ulong cursor)
    {
        cursor = 0;
        int nul = text.IndexOf((byte)0);
        if (nul >= 0) text = text[..nul];
        if (NumberParser.TryParseInt64(text, out long signed))
        {
            if (signed < 0) return false;
            cursor = (ulong)signed;
            return true;
        }

        int i = 0;
        while (i < text.Length && text[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r') i++;
        bool negative = false;
        if (i < text.Length && text[i] is (byte)'+' or (byte)'-')
        {
            negative = text[i] == '-';
            i++;
        }
        int digitsStart = i;
        ulong value = 0;
        for (; i < text.Length && (uint)(text[i] - '0') <= 9; i++)
        {
            ulong digit = (uint)(text[i] - '0');
            if (value > (ulong.MaxValue - digit) / 10) return false; // ERANGE
            value = value * 10 + digit;
        }
        if (i == digitsStart || i != text.Length) return false;
        cursor = negative ? unchecked(0UL - value) : value;
        return true;
    }

    private static void Scan(CommandContext ctx)
    {
        if (!TryParseCursorOrReply(ctx, 1, out ulong cursor)) return;

        if (!ScanOptions.TryParseOrReply(ctx, 2, ScanKind.Keys, out var options)) return;
        long count = options.Count;
        bool filterType = options.FilterType;
        DataType type = options.Type;
        ReadOnlySpan<byte> pattern = options.Pattern;
        bool usePattern = options.UsePattern;

        Database db = ctx.Db;
        var found = ScanFound;
        found.Clear();
        fixed (byte* p = pattern)
        {
            var collector = new ScanCollector(found, usePattern, p, pattern.Length, filterType, type);
            // Up to ten buckets per requested key, so a sparse table cannot make one call long.
            long maxIterations = count > long.MaxValue / 10 ? long.MaxValue : count * 10;
            do
            {
                cursor = db.Table.Scan(cursor, ref collector);
            } while (cursor != 0 && maxIterations-- > 0 && collector.Sampled < count);
        }

        // Expired keys are reclaimed here, after the walk (deleting never moves other
        // entries, so the remaining pointers stay valid), and left out of the reply.
        int live = 0;
        for (int i = 0; i < found.Count; i++)
        {
            byte* entry = (byte*)found[i];
            if (db.IsExpired(entry))
            {
                ReclaimExpired(db, entry);
                found[i] = 0;
            }
            else
            {
                live++;
            }
        }

        var reply = ctx.Reply;
        reply.AddArrayLength(2);
        reply.AddBulk((long)cursor);
        reply.AddArrayLength(live);
        foreach (nint e in found)
        {
            if (e != 0) reply.AddBulk(Database.KeyOf((byte*)e));
        }
        found.Clear();
        if (found.Capacity > 64 * 1024) found.Capacity = 1024;
    }

    /// <summary>Lazy expiry of an entry met by SCAN, through the normal lookup path (stats, "expired" event).</summary>
    private static void ReclaimExpired(Database db, byte* entry)
    {
        int length = KeyTable.KeyLength(entry);
        Span<byte> copy = length <= 256 ? stackalloc byte[256] : new byte[length];
        Database.KeyOf(entry).CopyTo(copy);
        db.Lookup(copy[..length], LookupFlags.NoStats | LookupFlags.NoTouch);
    }

    /// <summary>Collects the entries of the visited buckets that pass the TYPE and MATCH filters.</summary>
    private struct ScanCollector : IKeyTableVisitor
    {
        private readonly List<nint> _found;
        private readonly bool _usePattern;
        private readonly byte* _pattern;
        private readonly int _patternLength;
        private readonly bool _filterType;
        private readonly DataType _type;
        public long Sampled;

        public ScanCollector(List<nint> found, bool usePattern, byte* pattern, int patternLength, bool filterType, DataType type)
        {
            _found = found;
            _usePattern = usePattern;
            _pattern = pattern;
            _patternLength = patternLength;
            _filterType = filterType;
            _type = type;
            Sampled = 0;
        }

        public void Visit(byte* entry)
        {
            Sampled++;
            if (_filterType && Database.Header(entry)->Type != _type) return;
            if (_usePattern && !GlobMatcher.IsMatch(new ReadOnlySpan<byte>(_pattern, _patternLength), Database.KeyOf(entry))) return;
            _found.Add((nint)entry);
        }
    }
}
