using System.Diagnostics;

namespace Valkey.Native.Networking;

/// <summary>Something registered with the event loop for a file descriptor.</summary>
public interface IFileEventHandler
{
    void OnReadable();
    void OnWritable();
}

/// <summary>
/// The single-threaded event loop (Valkey's ae): waits on the backend, dispatches readiness
/// to handlers, runs the cron at its period and calls BeforeSleep once per iteration (where
/// replies are written with gather writes). Other threads may only call <see cref="Wake"/>.
/// </summary>
public sealed unsafe class EventLoop : IDisposable
{
    private readonly IEventBackend _backend;
    private IFileEventHandler?[] _handlers = new IFileEventHandler?[1024];
    private readonly ReadyEvent[] _ready = new ReadyEvent[1024];
    private readonly int _wakeRead;
    private readonly int _wakeWrite;
    private long _nextCronTicks;
    private volatile bool _stopRequested;

    public EventLoop(IEventBackend backend)
    {
        _backend = backend;
        int* fds = stackalloc int[2];
        if (LibC.Pipe(fds) != 0) throw new InvalidOperationException("pipe() failed");
        _wakeRead = fds[0];
        _wakeWrite = fds[1];
        LibC.SetNonBlocking(_wakeRead);
        LibC.SetNonBlocking(_wakeWrite);
        _backend.Register(_wakeRead, IoEvents.Readable);
    }

    public string BackendName => _backend.Name;

    /// <summary>Period of the cron in milliseconds (1000 / hz).</summary>
    public int CronPeriodMs { get; set; } = 100;

    public Action? Cron { get; set; }
    public Action? BeforeSleep { get; set; }
    /// <summary>Milliseconds until the next timer other than the cron (blocked clients' timeouts), or -1 for none.</summary>
    public Func<int>? NextTimerMs { get; set; }
    /// <summary>Called on the loop thread after <see cref="Wake"/> (signals, background work done).</summary>
    public Action? OnWake { get; set; }
    /// <summary>
    /// Called when a wait returns, before the ready handlers run (event-loop duration stats), with
    /// the Stopwatch timestamp read on waking: the loop reads the clock once there for both.
    /// </summary>
    public Action<long>? AfterSleep { get; set; }

    public void Register(int fd, IFileEventHandler handler, IoEvents interest)
    {
        if (fd >= _handlers.Length) Array.Resize(ref _handlers, Math.Max(fd + 1, _handlers.Length * 2));
        _handlers[fd] = handler;
        _backend.Register(fd, interest);
    }

    public void Update(int fd, IoEvents interest) => _backend.Update(fd, interest);

    public void Unregister(int fd)
    {
        _backend.Unregister(fd);
        if (fd < _handlers.Length) _handlers[fd] = null;
    }

    /// <summary>Thread-safe: interrupts the current wait.</summary>
    public void Wake()
    {
        byte b = 1;
        LibC.Write(_wakeWrite, &b, 1);
    }

    public void Stop()
    {
        _stopRequested = true;
        Wake();
    }

    public void Run()
    {
        // A nap of a few microseconds must not be stretched by the default 50 us timer slack (IdleNap).
        if (OperatingSystem.IsLinux()) LibC.Prctl(LibC.PR_SET_TIMERSLACK, 1000, 0, 0, 0);
        _nextCronTicks = Stopwatch.GetTimestamp();
        while (!_stopRequested)
        {
            BeforeSleep?.Invoke();
            long now = Stopwatch.GetTimestamp();
            // Rounded up: a wait rounded down ends just before the cron is due and the loop would
            // spin on zero-timeout waits for the remaining fraction of a millisecond.
            int timeout = (int)Math.Max(0, ((_nextCronTicks - now) * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
            if (NextTimerMs != null)
            {
                int timer = NextTimerMs();
                if (timer >= 0 && timer < timeout) timeout = timer;
            }
            bool nap = timeout > 0 && _nap.Napping;
            int n = nap ? WaitNapping(timeout) : _backend.Wait(_ready, timeout);
            long woke = Stopwatch.GetTimestamp();
            if (!nap) _nap.RecordBlockingWait(woke - now);
            AfterSleep?.Invoke(woke);
            Dispatch(_ready, n);
            // Due as of waking (one clock read per iteration less; a cron that falls due while the
            // handlers run is caught on the next iteration, whose wait then has a zero timeout).
            if (woke >= _nextCronTicks)
            {
                Cron?.Invoke();
                _nextCronTicks = Stopwatch.GetTimestamp() + CronPeriodMs * Stopwatch.Frequency / 1000;
            }
        }
        BeforeSleep?.Invoke();
    }

    private IdleNap _nap = new();

    /// <summary>
    /// Microseconds the loop sleeps off the wait queue when it runs dry while requests arrive back
    /// to back, instead of blocking (<see cref="IdleNap"/>); 0 = always block.
    /// </summary>
    public int NapMicroseconds
    {
        get => _nap.Microseconds;
        set => _nap.Microseconds = value;
    }

    /// <summary>Connections that read or wrote recently (set by the server's cron), for <see cref="IdleNap.AfterNap"/>.</summary>
    public int ActiveConnections { get; set; }

    /// <summary>A wait while napping: look without blocking, nap and look again, then block (<see cref="IdleNap"/>).</summary>
    private int WaitNapping(int timeout)
    {
        int n = _backend.Wait(_ready, 0);
        _nap.Record(ranDry: n == 0);
        long* timespec = stackalloc long[2];
        for (int naps = 0; n == 0 && naps < IdleNap.MaxNapsPerWait; naps++)
        {
            timespec[0] = 0;
            timespec[1] = _nap.NapNanoseconds;
            LibC.NanoSleep(timespec, null);
            n = _backend.Wait(_ready, 0);
            if (n > 0) _nap.AfterNap(n, ActiveConnections);
        }
        // Nothing after the naps: the stream has paused; block (the dry share decides whether to nap next time).
        return n > 0 ? n : _backend.Wait(_ready, timeout);
    }

    private readonly ReadyEvent[] _nestedReady = new ReadyEvent[256];

    /// <summary>Stop() was called (a SHUTDOWN while loading: the loader ends the process).</summary>
    public bool StopRequested => _stopRequested;

    /// <summary>
    /// One non-blocking pass over ready file events, without BeforeSleep or the cron (Valkey's
    /// processEventsWhileBlocked while a dataset loads). It has its own ready array: it may run
    /// inside a handler called from <see cref="Run"/>'s pass. Returns the number of events.
    /// </summary>
    public int ProcessEventsNow()
    {
        int n = _backend.Wait(_nestedReady, 0);
        Dispatch(_nestedReady, n);
        return n;
    }

    /// <summary>Calls the handlers of <paramref name="n"/> ready events (the wake pipe is drained here).</summary>
    private void Dispatch(ReadyEvent[] ready, int n)
    {
        for (int i = 0; i < n; i++)
        {
            ReadyEvent ev = ready[i];
            if (ev.Fd == _wakeRead)
            {
                DrainWakePipe();
                OnWake?.Invoke();
                continue;
            }
            // A handler may close another fd in this batch: look it up each time.
            var handler = ev.Fd < _handlers.Length ? _handlers[ev.Fd] : null;
            if (handler == null) continue;
            if ((ev.Events & IoEvents.Readable) != 0) handler.OnReadable();
            if ((ev.Events & IoEvents.Writable) != 0 && ev.Fd < _handlers.Length && ReferenceEquals(_handlers[ev.Fd], handler))
                handler.OnWritable();
        }
    }

    private void DrainWakePipe()
    {
        byte* buf = stackalloc byte[64];
        while (LibC.Read(_wakeRead, buf, 64) > 0) { }
    }

    public void Dispose()
    {
        LibC.Close(_wakeRead);
        LibC.Close(_wakeWrite);
        _backend.Dispose();
    }
}
