using System.Runtime.CompilerServices;
using System.Text;
using Valkey.Native.Networking;
using Valkey.Native.Protocol;
using Valkey.Native.Server;
using Valkey.Native.Storage;

namespace Valkey.Native.Commands;

/// <summary>
/// What a handler sees while one command executes: the server, the calling client, its
/// selected database, the arguments (spans into the query buffer) and the reply writer.
/// One instance per client, reused for every command, so dispatch allocates nothing.
/// </summary>
public sealed unsafe class CommandContext
{
    private byte* _base;
    private ArgList _args = null!;

    public CommandContext(ServerContext server, Client client)
    {
        Server = server;
        Client = client;
    }

    public ServerContext Server { get; }
    public Client Client { get; }
    public ReplyWriter Reply => Client.Reply;
    public Database Db => Client.Db;
    public Keyspace Keyspace => Server.Keyspace;
    public Arena Arena => Server.Keyspace.Arena;

    /// <summary>The command being executed (the subcommand for containers).</summary>
    public CommandSpec Command { get; internal set; } = null!;

    internal void Bind(byte* argBase, ArgList args)
    {
        _base = argBase;
        _args = args;
    }

    /// <summary>The current binding (EXEC rebinds to each queued command, then restores it).</summary>
    internal byte* ArgBase => _base;
    internal ArgList Args => _args;

    public int ArgCount
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _args.Count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Arg(int index) => new(_base + _args.OffsetAt(index), _args.LengthAt(index));

    /// <summary>The argument decoded as text (allocates: for rare paths and messages only).</summary>
    public string ArgString(int index) => Encoding.UTF8.GetString(Arg(index));

    /// <summary>
    /// At most <paramref name="maxBytes"/> leading bytes of an argument as text, for error
    /// messages that quote user input (never decodes a huge argument whole).
    /// </summary>
    public string ArgPrefix(int index, int maxBytes)
    {
        var arg = Arg(index);
        return Encoding.UTF8.GetString(arg.Length > maxBytes ? arg[..maxBytes] : arg);
    }

    /// <summary>ASCII case-insensitive comparison of an argument with a lowercase keyword.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ArgIs(int index, ReadOnlySpan<byte> lowercaseKeyword) => AsciiEqualsIgnoreCase(Arg(index), lowercaseKeyword);

    public static bool AsciiEqualsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> lowercaseKeyword)
    {
        if (value.Length != lowercaseKeyword.Length) return false;
        for (int i = 0; i < value.Length; i++)
        {
            int c = value[i];
            if ((uint)(c - 'A') <= 'Z' - 'A') c |= 0x20;
            if (c != lowercaseKeyword[i]) return false;
        }
        return true;
    }

    /// <summary>Valkey's server.dirty: counts changes for persistence and INFO.</summary>
    public void MarkDirty(long changes = 1) => Server.Stats.Dirty += changes;

    // ---- propagation (AOF, later replicas): Server/Propagation.cs, /tmp/aof-notes.md ----

    /// <summary>True when propagated commands are consumed (AOF on): test it before preparing rewritten arguments.</summary>
    public bool Propagating
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Server.Propagation.Enabled;
    }

    /// <summary>
    /// Valkey's rewriteClientCommandVector: this command propagates as the <paramref name="argc"/>-argument
    /// command written with the returned writer instead of its own arguments. Calling it again adds
    /// another command (SPOP → several SREM...). A no-op writer when propagation is off.
    /// </summary>
    public Propagation.PropagationWriter RewriteArgs(int argc)
    {
        var p = Server.Propagation;
        if (!p.Enabled) return default;
        p.PreventCurrent();
        return p.Begin(Client.DbIndex, argc);
    }

    /// <summary>Valkey's alsoPropagate: one more command, propagated before this command's own arguments.</summary>
    public Propagation.PropagationWriter AlsoPropagate(int argc) => Server.Propagation.Begin(Client.DbIndex, argc);

    /// <summary>Valkey's preventCommandPropagation: this command's own arguments are not propagated.</summary>
    public void PreventPropagation() => Server.Propagation.PreventCurrent();

    /// <summary>Signals a modified key and emits a keyspace event (the usual pair after a write).</summary>
    public void KeyChanged(NotifyClass type, string eventName, ReadOnlySpan<byte> key)
    {
        Server.KeyModified(Db, key);
        Server.Notify(type, eventName, key, Db.Id);
    }
}
