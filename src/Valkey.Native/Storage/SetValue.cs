namespace Valkey.Native.Storage;

// Placeholder: replaced by the value implementation.
public static unsafe class SetValue
{
    public static void Free(Keyspace keyspace, ValueHeader* header) { }
    public static void CloneInto(Keyspace keyspace, ValueHeader* source, ValueHeader* target) { }
    public static long MemoryBytes(Keyspace keyspace, ValueHeader* header) => 0;
}
