using Valkey.Native.Networking;

namespace Valkey.Native.Commands;

/// <summary>
/// CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO: the client-side caching subcommands
/// (their rows are in ClientCommands' CLIENT container; Server/Tracking.cs does the work).
/// </summary>
public static class ClientTrackingCommands
{
    /// <summary>CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP].</summary>
    internal static void TrackingCommand(CommandContext ctx)
    {
        var client = ctx.Client;
        long redirect = 0;
        bool bcast = false, optIn = false, optOut = false, noLoop = false;
        var prefixes = new List<byte[]>();
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            bool more = j < ctx.ArgCount - 1;
            if (ctx.ArgIs(j, "redirect"u8) && more)
            {
                j++;
                if (redirect != 0)
                {
                    ctx.Reply.AddError(ErrorMessages.TrackingSingleRedirect);
                    return;
                }
                if (!ctx.TryGetInt64OrReply(j, out redirect)) return;
                // The redirect client must exist now; it may go away later (the redirect is then "broken").
                if (ctx.Server.FindClient(redirect) == null)
                {
                    ctx.Reply.AddError(ErrorMessages.TrackingNoSuchRedirect);
                    return;
                }
            }
            else if (ctx.ArgIs(j, "bcast"u8)) bcast = true;
            else if (ctx.ArgIs(j, "optin"u8)) optIn = true;
            else if (ctx.ArgIs(j, "optout"u8)) optOut = true;
            else if (ctx.ArgIs(j, "noloop"u8)) noLoop = true;
            else if (ctx.ArgIs(j, "prefix"u8) && more)
            {
                j++;
                prefixes.Add(ctx.Arg(j).ToArray());
            }
            else
            {
                ctx.Reply.AddError(ErrorMessages.Syntax);
                return;
            }
        }

        if (ctx.ArgIs(2, "on"u8))
        {
            var state = client.Tracking;
            string? error = null;
            if (!bcast && prefixes.Count > 0) ctx.Reply.AddError(ErrorMessages.TrackingPrefixNeedsBcast);
            else if (state != null && state.Bcast != bcast) ctx.Reply.AddError(ErrorMessages.TrackingBcastSwitch);
            else if (bcast && (optIn || optOut)) ctx.Reply.AddError(ErrorMessages.TrackingOptInOutBcast);
            else if (optIn && optOut) ctx.Reply.AddError(ErrorMessages.TrackingOptInAndOut);
            else if (state != null && ((optIn && state.OptOut) || (optOut && state.OptIn))) ctx.Reply.AddError(ErrorMessages.TrackingOptSwitch);
            else if (bcast && (error = Valkey.Native.Server.Tracking.PrefixCollision(client, prefixes)) != null) ctx.Reply.AddError(error);
            else
            {
                ctx.Server.Tracking.Enable(client, redirect, bcast, optIn, optOut, noLoop, prefixes);
                ctx.Reply.AddOk();
            }
        }
        else if (ctx.ArgIs(2, "off"u8))
        {
            ctx.Server.Tracking.Disable(client);
            ctx.Reply.AddOk();
        }
        else
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
        }
    }

    /// <summary>CLIENT CACHING YES (OPTIN) | NO (OPTOUT): applies to the next command or transaction.</summary>
    internal static void Caching(CommandContext ctx)
    {
        var state = ctx.Client.Tracking;
        if (state == null)
        {
            ctx.Reply.AddError(ErrorMessages.CachingNotTracking);
            return;
        }
        if (ctx.ArgIs(2, "yes"u8))
        {
            if (!state.OptIn)
            {
                ctx.Reply.AddError(ErrorMessages.CachingYesNeedsOptIn);
                return;
            }
        }
        else if (ctx.ArgIs(2, "no"u8))
        {
            if (!state.OptOut)
            {
                ctx.Reply.AddError(ErrorMessages.CachingNoNeedsOptOut);
                return;
            }
        }
        else
        {
            ctx.Reply.AddError(ErrorMessages.Syntax);
            return;
        }
        state.Caching = true;
        ctx.Reply.AddOk();
    }

    /// <summary>CLIENT GETREDIR: the redirect id, 0 without redirect, -1 when not tracking.</summary>
    internal static void GetRedir(CommandContext ctx) => ctx.Reply.AddInteger(ctx.Client.Tracking?.RedirectId ?? -1);

    /// <summary>CLIENT TRACKINGINFO: a map of flags (a set), redirect and prefixes.</summary>
    internal static void TrackingInfo(CommandContext ctx)
    {
        var reply = ctx.Reply;
        var state = ctx.Client.Tracking;
        reply.AddMapLength(3);
        reply.AddBulk("flags"u8);
        int h = reply.BeginDeferredLength();
        int n = 1;
        reply.AddBulk(state != null ? "on"u8 : "off"u8);
        if (state != null)
        {
            if (state.Bcast) { reply.AddBulk("bcast"u8); n++; }
            if (state.OptIn)
            {
                reply.AddBulk("optin"u8); n++;
                if (state.Caching) { reply.AddBulk("caching-yes"u8); n++; }
            }
            if (state.OptOut)
            {
                reply.AddBulk("optout"u8); n++;
                if (state.Caching) { reply.AddBulk("caching-no"u8); n++; }
            }
            if (state.NoLoop) { reply.AddBulk("noloop"u8); n++; }
            if (state.BrokenRedirect) { reply.AddBulk("broken_redirect"u8); n++; }
        }
        reply.SetDeferredSetLength(h, n);
        reply.AddBulk("redirect"u8);
        reply.AddInteger(state?.RedirectId ?? -1);
        reply.AddBulk("prefixes"u8);
        if (state == null)
        {
            reply.AddArrayLength(0);
            return;
        }
        // Valkey keeps them in a radix tree: sorted by bytes.
        var prefixes = state.Prefixes.ToArray();
        Array.Sort(prefixes, static (a, b) => a.AsSpan().SequenceCompareTo(b));
        reply.AddArrayLength(prefixes.Length);
        foreach (var p in prefixes) reply.AddBulk(p);
    }

    /// <summary>CLIENT LIST flag letters for tracking: t (on), R (broken redirect), B (BCAST).</summary>
    internal static void AppendFlags(System.Text.StringBuilder sb, Client c)
    {
        var state = c.Tracking;
        if (state == null) return;
        sb.Append('t');
        if (state.BrokenRedirect) sb.Append('R');
        if (state.Bcast) sb.Append('B');
    }

    /// <summary>CLIENT LIST redir=: the redirect id while tracking, else -1.</summary>
    internal static long Redirect(Client c) => c.Tracking?.RedirectId ?? -1;
}
