using Valkey.Native.Server;
using Valkey.Native.Storage;

namespace Valkey.Native.Persistence;

/// <summary>
/// The base file of an AOF rewrite with aof-use-rdb-preamble no: the dataset as commands
/// (<c>SELECT n</c>, then one <c>RESTORE key absolute-ttl payload ABSTTL REPLACE</c> per key). Valkey writes
/// per-type commands (RPUSH, SADD...) instead; RESTORE is as deterministic, covers every type and
/// encoding with one code path, and any Valkey/Redis loads it.
/// </summary>
public static unsafe class AofBaseWriter
{
    public static void Write(ServerContext server, Stream output)
    {
        var buffer = new NativeByteBuffer();
        try
        {
            foreach (var db in server.Keyspace.Databases)
            {
                if (db.Count == 0) continue;
                buffer.AppendHeader((byte)'*', 2);
                buffer.AppendBulk("SELECT"u8);
                buffer.AppendBulk(db.Id);
                var visitor = new KeyWriter(server, output, (NativeByteBuffer*)&buffer);
                ulong cursor = 0;
                do
                {
                    cursor = db.Table.Scan(cursor, ref visitor);
                    Drain(output, ref buffer);
                } while (cursor != 0);
            }
            Drain(output, ref buffer);
        }
        finally
        {
            buffer.Free();
        }
    }

    private static void Drain(Stream output, ref NativeByteBuffer buffer)
    {
        output.Write(buffer.Span);
        buffer.Length = 0;
    }

    private readonly struct KeyWriter(ServerContext server, Stream output, NativeByteBuffer* buffer) : IKeyTableVisitor
    {
        public void Visit(byte* entry)
        {
            ValueHeader* h = Database.Header(entry);
            long expireAt = h->ExpireAtMs;
            byte[] payload = Commands.DumpCommands.CreatePayload(server, entry);
            buffer->AppendHeader((byte)'*', 6);
            buffer->AppendBulk("RESTORE"u8);
            buffer->AppendBulk(Database.KeyOf(entry));
            buffer->AppendBulk(expireAt == ValueHeader.NoExpire ? 0 : expireAt);
            buffer->AppendBulk(payload);
            buffer->AppendBulk("ABSTTL"u8);
            buffer->AppendBulk("REPLACE"u8);
            if (buffer->Length > 1 << 20)
            {
                output.Write(buffer->Span);
                buffer->Length = 0;
            }
        }
    }
}
