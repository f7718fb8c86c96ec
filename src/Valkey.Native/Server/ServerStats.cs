using System.Text;
using Valkey.Native.Protocol;

namespace Valkey.Native.Server;

/// <summary>Server-wide counters for INFO stats/errorstats (reset by CONFIG RESETSTAT).</summary>
public sealed class ServerStats : IErrorReplySink
{
    public long ConnectionsReceived;
    public long RejectedConnections;
    public long CommandsProcessed;
    public long NetInputBytes;
    public long NetOutputBytes;
    public long Dirty;
    public long TotalErrorReplies;
    public long ClientQueryBufferLimitDisconnections;
    public long ClientOutputBufferLimitDisconnections;
    public long MaxClientsReached;

    /// <summary>errorstats: error code -> count. Few distinct codes, so a list beats hashing.</summary>
    public readonly List<(byte[] Code, long Count)> ErrorCodes = new();

    public void OnErrorReply(ReadOnlySpan<byte> errorCode)
    {
        TotalErrorReplies++;
        for (int i = 0; i < ErrorCodes.Count; i++)
        {
            if (errorCode.SequenceEqual(ErrorCodes[i].Code))
            {
                ErrorCodes[i] = (ErrorCodes[i].Code, ErrorCodes[i].Count + 1);
                return;
            }
        }
        // Valkey caps distinct error codes at 128 to bound memory; beyond that only the total counts.
        if (ErrorCodes.Count < 128) ErrorCodes.Add((errorCode.ToArray(), 1));
    }

    public IEnumerable<(string Code, long Count)> ErrorStats() =>
        ErrorCodes.Select(e => (Encoding.UTF8.GetString(e.Code), e.Count)).OrderBy(e => e.Item1, StringComparer.Ordinal);

    public void Reset()
    {
        ConnectionsReceived = RejectedConnections = CommandsProcessed = NetInputBytes = NetOutputBytes = 0;
        TotalErrorReplies = ClientQueryBufferLimitDisconnections = ClientOutputBufferLimitDisconnections = 0;
        MaxClientsReached = 0;
        ErrorCodes.Clear();
    }
}
