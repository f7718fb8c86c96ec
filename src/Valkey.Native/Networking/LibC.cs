using System.Runtime.InteropServices;

namespace Valkey.Native.Networking;

/// <summary>
/// The few libc calls the event loop needs, bound with source-generated (AOT-safe) P/Invoke.
/// Constants are Linux's; the portable backend only relies on POSIX calls whose constants
/// are shared by Linux and the BSDs (poll, read, writev, close).
/// </summary>
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int EMFILE = 24;
    public const int ENFILE = 23;
    public const int ECONNABORTED = 103;

    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int IPPROTO_TCP = 6;
    public const int TCP_NODELAY = 1;
    public const int TCP_KEEPIDLE = 4;
    public const int TCP_KEEPINTVL = 5;
    public const int TCP_KEEPCNT = 6;
    public const int SOL_SOCKET = 1;
    public const int SO_KEEPALIVE = 9;
    public const int SO_REUSEADDR = 2;
    public const int RLIMIT_NOFILE = 7;
    public const int AF_UNIX = 1;
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int O_NONBLOCK = 0x800;

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;

    public const short POLLIN = 0x001;
    public const short POLLOUT = 0x004;
    public const short POLLERR = 0x008;
    public const short POLLHUP = 0x010;
    public const short POLLNVAL = 0x020;

    public const int IOV_MAX = 1024;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, EntryPoint = "signal")]
    internal static partial nint Signal(int sig, nint handler);
    /// <summary>sigaction(2); <paramref name="act"/>/<paramref name="oldAct"/> point at struct sigaction (152 bytes on glibc x86-64/arm64).</summary>
    [LibraryImport(Lib, EntryPoint = "sigaction")]
    internal static partial int SigAction(int sig, void* act, void* oldAct);

    [LibraryImport(Lib, EntryPoint = "writev", SetLastError = true)]
    public static partial nint WriteV(int fd, IoVec* iov, int iovcnt);

    /// <summary>nanosleep(2); <paramref name="request"/>/<paramref name="remain"/> point at struct timespec (two longs on LP64).</summary>
    [LibraryImport(Lib, EntryPoint = "nanosleep")]
    public static partial int NanoSleep(long* request, long* remain);

    public const int PR_SET_TIMERSLACK = 29;

    /// <summary>prctl(2), Linux only.</summary>
    [LibraryImport(Lib, EntryPoint = "prctl")]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "accept4", SetLastError = true)]
    public static partial int Accept4(int fd, byte* addr, int* addrLen, int flags);

    [LibraryImport(Lib, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport(Lib, EntryPoint = "getpeername", SetLastError = true)]
    public static partial int GetPeerName(int fd, byte* addr, int* addrLen);

    [LibraryImport(Lib, EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(int fd, byte* addr, int* addrLen);

    [LibraryImport(Lib, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport(Lib, EntryPoint = "pipe", SetLastError = true)]
    public static partial int Pipe(int* fds);

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport(Lib, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, void* ev);

    [LibraryImport(Lib, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, void* events, int maxEvents, int timeoutMs);

    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport(Lib, EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, RLimit* limit);

    [LibraryImport(Lib, EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int SetRLimit(int resource, RLimit* limit);

    public static int LastError => Marshal.GetLastPInvokeError();

    public static void SetNonBlocking(int fd)
    {
        int flags = Fcntl(fd, F_GETFL, 0);
        if (flags >= 0) Fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }

    public static void SetIntOption(int fd, int level, int name, int value)
    {
        SetSockOpt(fd, level, name, &value, sizeof(int));
    }

    // ---- thread priority (Linux: per-thread nice values) ----

    public const int PRIO_PROCESS = 0;

    [LibraryImport(Lib, EntryPoint = "gettid")]
    public static partial int GetTid();

    [LibraryImport(Lib, EntryPoint = "setpriority", SetLastError = true)]
    public static partial int SetPriority(int which, int who, int priority);
}
