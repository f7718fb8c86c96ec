using System.Runtime.InteropServices;

namespace Valkey.Native.Storage.Snapshot;

/// <summary>
/// Bindings to native/snapshot/cow.c (linked statically into the AOT binary, loaded as
/// libvalkeycow.so next to the assembly under the JIT). Ordinary P/Invokes on purpose, never
/// SuppressGCTransition: a thread inside cow_read may hold the page lock the fault handler needs,
/// and it must be in preemptive mode so a garbage collection never waits for it.
/// </summary>
internal static unsafe class CowNative
{
    private const string Library = "valkeycow";

    /// <summary>Mirrors cow_range: one mapping to register, and how much of it to write-protect.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Range
    {
        public nuint Address;
        public nuint Length;
        public nuint ProtectLength;
    }

    /// <summary>Mirrors cow_stats.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Stats
    {
        public long PagesCopied;
        public long ShadowBytes;
        public long ProtectedBytes;
        public long RegisteredBytes;
        public long Faults;
        public long Runs;
        public long ProtectCalls;
        public long RegisterMicroseconds;
        public long ProtectMicroseconds;
        public int Failed;
    }

    [DllImport(Library, EntryPoint = "cow_is_supported")]
    public static extern int IsSupported();

    [DllImport(Library, EntryPoint = "cow_begin")]
    public static extern nint Begin(int* error);

    [DllImport(Library, EntryPoint = "cow_protect_ranges")]
    public static extern int ProtectRanges(nint context, Range* ranges, nuint count);

    [DllImport(Library, EntryPoint = "cow_read")]
    public static extern int Read(nint context, void* address, nuint length, void* destination);

    [DllImport(Library, EntryPoint = "cow_set_read_pause")]
    public static extern void SetReadPause(nint context, uint microseconds);

    [DllImport(Library, EntryPoint = "cow_get_stats")]
    public static extern void GetStats(nint context, Stats* stats);

    [DllImport(Library, EntryPoint = "cow_end")]
    public static extern void End(nint context);
}
