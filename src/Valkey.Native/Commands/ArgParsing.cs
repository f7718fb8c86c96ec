using Valkey.Native.Storage;
using Valkey.Native.Util;

namespace Valkey.Native.Commands;

/// <summary>
/// Argument parsers in Valkey's "...OrReply" style: on bad input they write the error reply
/// themselves and return false, so handlers just return.
/// </summary>
public static unsafe class ArgParsing
{
    public static bool TryGetInt64OrReply(this CommandContext ctx, int index, out long value, ReadOnlySpan<byte> error = default)
    {
        if (NumberParser.TryParseInt64(ctx.Arg(index), out value)) return true;
        ctx.Reply.AddError(error.IsEmpty ? ErrorMessages.NotInteger : error);
        return false;
    }

    public static bool TryGetRangeOrReply(this CommandContext ctx, int index, long min, long max, out long value, ReadOnlySpan<byte> error = default)
    {
        if (NumberParser.TryParseInt64(ctx.Arg(index), out value) && value >= min && value <= max) return true;
        ctx.Reply.AddError(error.IsEmpty ? ErrorMessages.NotInteger : error);
        return false;
    }

    public static bool TryGetDoubleOrReply(this CommandContext ctx, int index, out double value, ReadOnlySpan<byte> error = default)
    {
        if (NumberParser.TryParseDouble(ctx.Arg(index), out value)) return true;
        ctx.Reply.AddError(error.IsEmpty ? ErrorMessages.NotFloat : error);
        return false;
    }

    /// <summary>A stream ID argument where "-" and "+" are allowed (streamParseIDOrReply); "ms" gets <paramref name="missingSeq"/>.</summary>
    public static bool TryGetStreamIdOrReply(this CommandContext ctx, int index, ulong missingSeq, out StreamId id)
    {
        if (StreamId.TryParse(ctx.Arg(index), missingSeq, strict: false, allowAutoSeq: false, out id, out _)) return true;
        ctx.Reply.AddError(ErrorMessages.StreamInvalidId);
        return false;
    }

    /// <summary>A stream ID argument where "-" and "+" are refused (streamParseStrictIDOrReply).</summary>
    public static bool TryGetStrictStreamIdOrReply(this CommandContext ctx, int index, ulong missingSeq, out StreamId id)
    {
        if (StreamId.TryParse(ctx.Arg(index), missingSeq, strict: true, allowAutoSeq: false, out id, out _)) return true;
        ctx.Reply.AddError(ErrorMessages.StreamInvalidId);
        return false;
    }

    /// <summary>
    /// A range bound (streamParseIntervalIDOrReply): "(id" is exclusive and then strict, anything
    /// else as <see cref="TryGetStreamIdOrReply"/>.
    /// </summary>
    public static bool TryGetIntervalStreamIdOrReply(this CommandContext ctx, int index, ulong missingSeq, out StreamId id, out bool exclusive)
    {
        ReadOnlySpan<byte> text = ctx.Arg(index);
        exclusive = text.Length > 1 && text[0] == '(';
        bool ok = exclusive
            ? StreamId.TryParse(text[1..], missingSeq, strict: true, allowAutoSeq: false, out id, out _)
            : StreamId.TryParse(text, missingSeq, strict: false, allowAutoSeq: false, out id, out _);
        if (ok) return true;
        ctx.Reply.AddError(ErrorMessages.StreamInvalidId);
        return false;
    }

    /// <summary>Looks up a key for reading and checks its type; null with no reply if missing, null with WRONGTYPE if mismatched.</summary>
    public static byte* LookupReadOfType(this CommandContext ctx, ReadOnlySpan<byte> key, DataType type, out bool wrongType)
    {
        byte* entry = ctx.Db.LookupRead(key);
        wrongType = entry != null && Database.Header(entry)->Type != type;
        if (wrongType)
        {
            ctx.Reply.AddError(ErrorMessages.WrongType);
            return null;
        }
        return entry;
    }

    /// <summary>Looks up a key for writing and checks its type; see <see cref="LookupReadOfType"/>.</summary>
    public static byte* LookupWriteOfType(this CommandContext ctx, ReadOnlySpan<byte> key, DataType type, out bool wrongType)
    {
        byte* entry = ctx.Db.LookupWrite(key);
        wrongType = entry != null && Database.Header(entry)->Type != type;
        if (wrongType)
        {
            ctx.Reply.AddError(ErrorMessages.WrongType);
            return null;
        }
        return entry;
    }
}

/// <summary>Replies shared by the container commands' HELP subcommands.</summary>
public static class HelpReplies
{
    /// <summary>
    /// A HELP reply as Valkey's addReplyHelp: "CMD &lt;subcommand&gt; [&lt;arg&gt; [value] [opt] ...]. Subcommands are:",
    /// the given lines, then "HELP" / "    Print this help.", all as status strings.
    /// </summary>
    public static void ReplyHelpWithHeader(this CommandContext ctx, ReadOnlySpan<string> lines)
    {
        var reply = ctx.Reply;
        reply.AddArrayLength(lines.Length + 3);
        reply.AddSimpleString($"{ctx.ArgString(0).ToUpperInvariant()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        foreach (var line in lines) reply.AddSimpleString(line);
        reply.AddSimpleString("HELP");
        reply.AddSimpleString("    Print this help.");
    }

    /// <summary>Valkey's addReplySubcommandSyntaxError: an unknown subcommand or a wrong argument count for it.</summary>
    public static void ReplySubcommandSyntaxError(this CommandContext ctx) =>
        ctx.Reply.AddError($"ERR unknown subcommand or wrong number of arguments for '{ErrorMessages.Truncate(ctx.ArgString(1), 128)}'. Try {ctx.ArgString(0).ToUpperInvariant()} HELP.");
}

/// <summary>
/// INCRBYFLOAT and HINCRBYFLOAT: Valkey's getLongDoubleFromObjectOrReply on an argument and the
/// common tail of both commands (x87 80-bit addition, NaN/infinity refusal, ld2string's human format).
/// </summary>
public static class LongDoubleArgs
{
    public static bool TryGetLongDoubleOrReply(this CommandContext ctx, int index, out LongDouble value)
    {
        if (LongDouble.TryParse(ctx.Arg(index), out value)) return true;
        ctx.Reply.AddError(ErrorMessages.NotFloat);
        return false;
    }

    /// <summary>
    /// Adds <paramref name="increment"/> to <paramref name="value"/>; a NaN or infinite sum (finite
    /// operands can overflow) gets Valkey's error. Otherwise <paramref name="text"/> (at least
    /// <see cref="LongDouble.MaxHumanLength"/> bytes) is narrowed to the sum's human-readable form.
    /// </summary>
    public static bool TryIncrementOrReply(this CommandContext ctx, LongDouble value, LongDouble increment, ref Span<byte> text)
    {
        value += increment;
        if (value.IsNaN || value.IsInfinity)
        {
            ctx.Reply.AddError(ErrorMessages.NanOrInfinity);
            return false;
        }
        text = text[..value.FormatHuman(text)];
        return true;
    }
}
