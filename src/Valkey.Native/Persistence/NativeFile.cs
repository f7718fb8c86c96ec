using System.Runtime.InteropServices;

namespace Valkey.Native.Persistence;

/// <summary>The libc calls persistence needs beyond .NET's file API: fsync of a directory (a rename is durable only then).</summary>
internal static partial class NativeFile
{
    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    public static void FsyncDirectory(string dir)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd = Open(dir, 0);
        if (fd < 0) return;
        Fsync(fd);
        Close(fd);
    }
}
