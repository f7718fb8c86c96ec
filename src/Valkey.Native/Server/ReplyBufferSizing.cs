using Valkey.Native.Networking;

namespace Valkey.Native.Server;

/// <summary>
/// Valkey's per-client reply buffer sizing (clientsCronResizeOutputBuffer), reported as CLIENT LIST's
/// rbs (buffer size) and rbp (peak use since the last reset), INFO's reply_buffer_shrinks/expands, and
/// tuned by DEBUG REPLYBUFFER PEAK-RESET-TIME / RESIZING.
/// </summary>
/// <remarks>
/// Valkey gives each client a static reply buffer (16 KB at first) that the cron halves while an idle
/// client's peak use stays under half of it (down to 1 KB) and doubles while replies fill it (up to 16 KB).
/// Our replies are written into pooled 16 KB chunks that go back to the pool once sent, so no per-client
/// buffer exists to resize: this class keeps the size Valkey's policy would give the client, from the
/// same inputs (the bytes each loop iteration queued for it), so the figures follow Valkey's. They are
/// reporting only: client memory (tot-mem, client eviction) counts the chunks actually held.
/// </remarks>
public sealed class ReplyBufferSizing
{
    /// <summary>PROTO_REPLY_MIN_BYTES: the buffer never shrinks below this.</summary>
    public const int MinBytes = 1024;
    /// <summary>PROTO_REPLY_CHUNK_BYTES: the initial size, and the most it grows back to.</summary>
    public const int ChunkBytes = 16 * 1024;
    /// <summary>REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME (ms).</summary>
    public const long DefaultPeakResetTimeMs = 5000;

    /// <summary>How often (ms) a client's peak restarts from its current use; -1 = never (DEBUG REPLYBUFFER PEAK-RESET-TIME).</summary>
    public long PeakResetTimeMs { get; set; } = DefaultPeakResetTimeMs;

    /// <summary>DEBUG REPLYBUFFER RESIZING 0 stops the cron from changing buffer sizes (peaks still reset).</summary>
    public bool ResizingEnabled { get; set; } = true;

    /// <summary>INFO reply_buffer_shrinks.</summary>
    public long Shrinks { get; private set; }

    /// <summary>INFO reply_buffer_expands.</summary>
    public long Expands { get; private set; }

    /// <summary>CONFIG RESETSTAT.</summary>
    public void ResetStats() => Shrinks = Expands = 0;

    /// <summary>
    /// Before queued replies are written: the bytes waiting for the client are what Valkey's buffer
    /// would hold (up to its size; the rest would spill into reply blocks), so they raise the peak.
    /// </summary>
    public static void NoteQueuedBytes(Client c, long pending)
    {
        int inBuffer = pending >= c.ReplyBufferSize ? c.ReplyBufferSize : (int)pending;
        if (inBuffer > c.ReplyBufferPeak) c.ReplyBufferPeak = inBuffer;
    }

    /// <summary>
    /// The cron step for one client: shrink to just above the peak when it used under half the buffer,
    /// double when it filled it; then, every <see cref="PeakResetTimeMs"/>, the peak restarts from what
    /// is queued now.
    /// </summary>
    public void Cron(Client c, long nowMs)
    {
        int size = c.ReplyBufferSize;
        int inBuffer = (int)Math.Min(c.Reply.PendingBytes, size);
        if (ResizingEnabled)
        {
            int shrinkTarget = size / 2;
            long expandTarget = (long)size * 2;
            if (shrinkTarget >= MinBytes && c.ReplyBufferPeak < shrinkTarget)
            {
                // Never below what is queued now (Valkey copies the buffer's content over).
                c.ReplyBufferSize = Math.Max(Math.Max(MinBytes, c.ReplyBufferPeak + 1), inBuffer);
                Shrinks++;
            }
            else if (expandTarget < ChunkBytes * 2 && c.ReplyBufferPeak == size)
            {
                c.ReplyBufferSize = (int)Math.Min(ChunkBytes, expandTarget);
                Expands++;
            }
        }
        if (PeakResetTimeMs >= 0 && nowMs - c.ReplyPeakResetAtMs >= PeakResetTimeMs)
        {
            c.ReplyBufferPeak = Math.Min(inBuffer, c.ReplyBufferSize);
            c.ReplyPeakResetAtMs = nowMs;
        }
    }
}
