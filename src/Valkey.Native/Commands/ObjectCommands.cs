using Valkey.Native.Storage;
using static Valkey.Native.Commands.KeySpecFlags;

namespace Valkey.Native.Commands;

/// <summary>
/// OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ / HELP (Valkey's object.c). Lookups neither
/// touch the access clock nor fire keyspace-miss events, but they do count as hits/misses,
/// as objectCommandLookup does.
/// </summary>
public static unsafe class ObjectCommands
{
    private const AclCategories ReadSlow = AclCategories.Keyspace | AclCategories.Read | AclCategories.Slow;

    public static readonly CommandSpec[] Commands =
    [
        new CommandSpec("object", -2, CommandFlags.None, AclCategories.Slow, null)
        {
            Group = "generic", Summary = "A container for object introspection commands.", Since = "2.2.3",
            Complexity = "Depends on subcommand.",
        }.WithSubcommands(
            new CommandSpec("encoding", 3, CommandFlags.ReadOnly, ReadSlow, Encoding)
            {
                Group = "generic", Summary = "Returns the internal encoding of an object.", Since = "2.2.3", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(2, RO)],
                Tips = ["nondeterministic_output"],
            },
            new CommandSpec("freq", 3, CommandFlags.ReadOnly, ReadSlow, Freq)
            {
                Group = "generic", Summary = "Returns the logarithmic access frequency counter of an object.", Since = "4.0.0", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(2, RO)],
                Tips = ["nondeterministic_output"],
            },
            new CommandSpec("help", 2, CommandFlags.Loading | CommandFlags.Stale, AclCategories.Keyspace | AclCategories.Slow, Help)
            {
                Group = "generic", Summary = "Returns helpful text about the different subcommands.", Since = "6.2.0", Complexity = "O(1)",
            },
            new CommandSpec("idletime", 3, CommandFlags.ReadOnly, ReadSlow, IdleTime)
            {
                Group = "generic", Summary = "Returns the time since the last access to an object.", Since = "2.2.3", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(2, RO)],
                Tips = ["nondeterministic_output"],
            },
            new CommandSpec("refcount", 3, CommandFlags.ReadOnly, ReadSlow, RefCount)
            {
                Group = "generic", Summary = "Returns the reference count of a value of a key.", Since = "2.2.3", Complexity = "O(1)",
                KeySpecs = [KeySpec.Index(2, RO)],
                Tips = ["nondeterministic_output"],
            }),
    ];

    /// <summary>Valkey's OBJ_SHARED_REFCOUNT (INT_MAX): what a shared object reports.</summary>
    private const long SharedRefCount = int.MaxValue;
    /// <summary>Integers 0..9999 are stored as shared objects in Valkey (OBJ_SHARED_INTEGERS).</summary>
    private const long SharedIntegers = 10000;
    /// <summary>The LRU clock is 24 bits of seconds (LRU_CLOCK_MAX).</summary>
    private const uint LruClockMax = (1u << 24) - 1;

    private static byte* LookupOrNull(CommandContext ctx)
    {
        byte* entry = ctx.Db.Lookup(ctx.Arg(2), LookupFlags.NoTouch);
        if (entry == null) ctx.Reply.AddNull();
        return entry;
    }

    private static void Encoding(CommandContext ctx)
    {
        byte* entry = LookupOrNull(ctx);
        if (entry == null) return;
        ctx.Reply.AddBulk(ValueNames.EncodingName(Database.Header(entry)->Encoding));
    }

    /// <summary>
    /// Values have no reference counts here; this reports what Valkey would: small
    /// non-negative integers are shared objects (INT_MAX) unless an LRU/LFU maxmemory policy
    /// forbids sharing, and every other value is referenced once, by its key.
    /// </summary>
    private static void RefCount(CommandContext ctx)
    {
        byte* entry = LookupOrNull(ctx);
        if (entry == null) return;
        ValueHeader* h = Database.Header(entry);
        bool shared = h->Type == DataType.String
            && h->Encoding == ValueEncoding.Int
            && CanUseSharedIntegers(ctx)
            && StringValue.TryGetInt64(h, out long v)
            && v >= 0 && v < SharedIntegers;
        ctx.Reply.AddInteger(shared ? SharedRefCount : 1);
    }

    private static void IdleTime(CommandContext ctx)
    {
        byte* entry = LookupOrNull(ctx);
        if (entry == null) return;
        if (IsLfuPolicy(ctx))
        {
            ctx.Reply.AddError("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."u8);
            return;
        }
        uint clock = ctx.Keyspace.LruClock;
        uint access = Database.Header(entry)->AccessClock & LruClockMax;
        // The clock wraps every 194 days; an access "after" now means it wrapped since.
        long idleSeconds = clock >= access ? clock - access : clock + (LruClockMax - access);
        ctx.Reply.AddInteger(idleSeconds);
    }

    /// <summary>
    /// Under an LFU policy the access clock holds Valkey's LFU word: the last decrement time in
    /// minutes (16 bits) above an 8-bit logarithmic counter, decayed here by the minutes
    /// elapsed as LFUDecrAndReturn does.
    /// </summary>
    private static void Freq(CommandContext ctx)
    {
        byte* entry = LookupOrNull(ctx);
        if (entry == null) return;
        if (!IsLfuPolicy(ctx))
        {
            ctx.Reply.AddError("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."u8);
            return;
        }
        // Decayed on read but not stored: only a real access updates the word (LFUDecrAndReturn).
        ctx.Reply.AddInteger(Lfu.DecayedCounter(Database.Header(entry)->AccessClock, ctx.Keyspace.NowMs, ctx.Server.Config.LfuDecayTime));
    }

    private static void Help(CommandContext ctx)
    {
        ctx.Reply.AddHelp(
        [
            ctx.ArgString(0).ToUpperInvariant() + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
            "HELP",
            "    Print this help.",
        ]);
    }

    private static bool IsLfuPolicy(CommandContext ctx) =>
        ctx.Server.Config.MaxMemoryPolicy.EndsWith("-lfu", StringComparison.OrdinalIgnoreCase);

    /// <summary>Valkey's canUseSharedObject: no maxmemory, or a policy that does not need per-value LRU/LFU data.</summary>
    private static bool CanUseSharedIntegers(CommandContext ctx)
    {
        var config = ctx.Server.Config;
        if (config.MaxMemory == 0) return true;
        string policy = config.MaxMemoryPolicy;
        return !(policy.EndsWith("-lru", StringComparison.OrdinalIgnoreCase) || policy.EndsWith("-lfu", StringComparison.OrdinalIgnoreCase));
    }
}
