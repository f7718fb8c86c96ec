namespace Valkey.Native.Persistence;

/// <summary>
/// The back-off of automatic AOF rewrites after repeated failures (Valkey's aofRewriteLimited, aof.c).
/// A rewrite that keeps failing opens a new incremental file every time it starts, so without a limit
/// a persistent error (a full disk, a broken directory) would keep adding files. From the third
/// consecutive failure on, automatic and scheduled rewrites wait 1 minute, then 2, 4, ... up to
/// 60 minutes between attempts; BGREWRITEAOF is never limited (and scheduling one resets the count).
/// The delays are counted from the moment the limit is first seen, not from the failure, as Valkey.
/// </summary>
public sealed class AofRewriteLimiter
{
    /// <summary>AOF_REWRITE_LIMITE_THRESHOLD: consecutive failures before rewrites are delayed.</summary>
    public const int Threshold = 3;

    /// <summary>AOF_REWRITE_LIMITE_MAX_MINUTES.</summary>
    public const int MaxDelayMinutes = 60;

    private int _nextDelayMinutes;
    private long _nextRewriteAt;

    /// <summary>The delay of the current limit period in minutes (0 while not limited).</summary>
    public int DelayMinutes => _nextDelayMinutes;

    /// <summary>
    /// Whether an automatic or scheduled rewrite must wait now. <paramref name="nowSeconds"/> is the
    /// unix time in seconds (server.unixtime). When a new delay period starts, its warning (Valkey's
    /// wording) goes to <paramref name="warn"/>. Called only when a rewrite would otherwise start.
    /// </summary>
    public bool IsLimited(long consecutiveFailures, long nowSeconds, Action<string> warn)
    {
        if (consecutiveFailures < Threshold)
        {
            // Below the threshold (a success or BGREWRITEAOF reset the count): forget any period.
            _nextDelayMinutes = 0;
            _nextRewriteAt = 0;
            return false;
        }
        if (_nextRewriteAt != 0)
        {
            if (nowSeconds < _nextRewriteAt) return true;
            // The period is over: this one attempt may run; if it fails too the next period is longer.
            _nextRewriteAt = 0;
            return false;
        }
        _nextDelayMinutes = _nextDelayMinutes == 0 ? 1 : Math.Min(_nextDelayMinutes * 2, MaxDelayMinutes);
        _nextRewriteAt = nowSeconds + _nextDelayMinutes * 60L;
        warn($"Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {_nextDelayMinutes} minutes");
        return true;
    }
}
