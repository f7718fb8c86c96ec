using System.Text;
using NUnit.Framework;
using Valkey.Native.Persistence;
using Valkey.Native.Storage;
using Valkey.Native.Storage.Snapshot;
using Valkey.Native.Tests.Infrastructure;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// End to end under the RDB writer: a file written through a copy-on-write snapshot while another
/// thread rewrites, deletes and grows the keyspace is byte-identical to a SAVE taken at Begin.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed unsafe class CowSnapshotRdbTests : KeyspaceFixture
{
    private static readonly RdbLoadOptions Options = new() { SkipExpired = false };

    [SetUp]
    public void RequireSupport()
    {
        if (!CowSnapshot.IsSupported) Assert.Ignore("copy-on-write snapshots unavailable here: " + CowSnapshot.UnsupportedReason);
    }

    private void Put(string key, LoadedValue value) => RdbLoader.Store(Db, B(key), value, -1, -1, -1, Options, 0);

    private static LoadedValue Items(DataType type, IEnumerable<string> items)
    {
        var v = new LoadedValue { Type = type };
        foreach (var i in items) v.Items.Add(Encoding.UTF8.GetBytes(i));
        return v;
    }

    private void Populate()
    {
        for (int i = 0; i < 20_000; i++) Db.SetString(B($"s:{i}"), B($"value-{i}-{new string('v', i % 90)}"));
        for (int i = 0; i < 6; i++) Db.SetString(B($"big:{i}"), Encoding.ASCII.GetBytes(new string((char)('a' + i), 300_000 + i * 700_000)));
        Put("list-big", Items(DataType.List, Enumerable.Range(0, 5000).Select(i => $"element-{i}")));
        Put("set-ht", Items(DataType.Set, Enumerable.Range(0, 3000).Select(i => $"m{i}")));
        var hb = new LoadedValue { Type = DataType.Hash };
        for (int i = 0; i < 4000; i++) hb.Fields.Add((B($"f{i}"), B($"v{i}"), -1));
        Put("hash-ht", hb);
        var zb = new LoadedValue { Type = DataType.SortedSet };
        for (int i = 0; i < 3000; i++) zb.Members.Add((B($"z{i}"), i * 0.75));
        Put("zset-sl", zb);
    }

    private static byte[] Write<TView>(KeyspaceRoot root, TView view) where TView : struct, IMemoryView
    {
        var ms = new MemoryStream();
        var output = new RdbOutput(ms, checksum: true, compress: true);
        using (var writer = new RdbWriter<TView>(output, root, view)) writer.WriteFile("test");
        return ms.ToArray();
    }

    [Test]
    public void BackgroundWriteThroughTheSnapshotEqualsASaveAtBegin()
    {
        Populate();
        var live = KeyspaceRoot.CaptureLive(Keyspace, "noeviction", 0);
        byte[] expected = Write(live, default(LiveMemoryView));

        // The pause: protect the arena and capture the managed roots, with no command in between.
        using var snapshot = CowSnapshot.Begin(Keyspace.Arena);
        var captured = KeyspaceRoot.CaptureLive(Keyspace, "noeviction", 0);
        var root = new KeyspaceRoot
        {
            Databases = captured.Databases,
            Tables = SnapshotTables.Capture(Keyspace.Handles),
            NowMs = captured.NowMs,
            SaveLru = captured.SaveLru,
            SaveLfu = captured.SaveLfu,
            HasFieldTtls = captured.HasFieldTtls,
            UsedMemory = captured.UsedMemory,
        };

        byte[]? written = null;
        bool writerDone = false;
        var errors = new List<Exception>();
        var saver = new Thread(() =>
        {
            try { written = Write(root, snapshot.View); }
            catch (Exception e) { lock (errors) errors.Add(e); }
            finally { Volatile.Write(ref writerDone, true); }
        });
        var command = new Thread(() =>
        {
            try
            {
                // Keep mutating until the save is done (at least one full round).
                for (int round = 0; round == 0 || !Volatile.Read(ref writerDone); round++)
                {
                    for (int i = round % 3; i < 20_000; i += 3) Db.SetString(B($"s:{i}"), B($"changed-{round}-{i}"));
                    for (int i = 0; i < 2_000; i++) Db.Delete(B($"s:{(i * 7 + round) % 20_000}"));
                    for (int i = 0; i < 5_000; i++) Db.SetString(B($"new:{round}:{i}"), B("fresh"));
                    Db.Delete(B($"big:{round % 6}"));
                    Db.SetString(B($"big:{round % 6}"), Encoding.ASCII.GetBytes(new string('#', 2_000_000)));
                    Db.Delete(B("set-ht"));
                    Put("set-ht", Items(DataType.Set, Enumerable.Range(0, 5000).Select(i => $"other{i}")));
                    Db.Delete(B("hash-ht"));
                    if (round > 50) break;
                }
            }
            catch (Exception e) { lock (errors) errors.Add(e); }
        });
        saver.Start();
        command.Start();
        Assert.That(saver.Join(TimeSpan.FromSeconds(120)), Is.True, "the background save finished");
        Assert.That(command.Join(TimeSpan.FromSeconds(120)), Is.True, "the command thread finished");
        Assert.That(errors, Is.Empty, string.Join("\n", errors));
        Assert.That(written, Is.Not.Null);
        Assert.That(written!.Length, Is.EqualTo(expected.Length));
        Assert.That(written.AsSpan().SequenceEqual(expected), Is.True, "the snapshot's file is the file as of Begin");
        Assert.That(snapshot.PagesCopied, Is.GreaterThan(0));
        TestContext.Out.WriteLine($"rdb {expected.Length} bytes; pages copied {snapshot.PagesCopied}, runs {snapshot.RegisteredRuns}, protect calls {snapshot.ProtectCalls} " +
                                  $"({snapshot.CopiedBytes >> 10} KB of {snapshot.ProtectedBytes >> 10} KB protected); Begin {snapshot.BeginDuration.TotalMicroseconds:F0} us");
    }

    private KeyspaceRoot CaptureForSnapshot()
    {
        var captured = KeyspaceRoot.CaptureLive(Keyspace, "noeviction", 0);
        return new KeyspaceRoot
        {
            Databases = captured.Databases,
            Tables = SnapshotTables.Capture(Keyspace.Handles),
            NowMs = captured.NowMs,
            SaveLru = captured.SaveLru,
            SaveLfu = captured.SaveLfu,
            HasFieldTtls = captured.HasFieldTtls,
            UsedMemory = captured.UsedMemory,
        };
    }

    [Test]
    public void BackgroundSnapshotJobWritesTheFileOfItsPauseAndCanBeCancelled()
    {
        Populate();
        byte[] expected = Write(KeyspaceRoot.CaptureLive(Keyspace, "noeviction", 0), default(LiveMemoryView));
        var ms = new MemoryStream();
        var job = BackgroundSnapshot<KeyspaceRoot>.Start(Keyspace.Arena, _ => CaptureForSnapshot(), (root, view, _) =>
        {
            var output = new RdbOutput(ms, checksum: true, compress: true);
            using var writer = new RdbWriter<SnapshotMemoryView>(output, root, view);
            writer.WriteFile("test");
        });
        // The test thread is the command thread: it keeps writing while the job runs.
        for (int round = 0; round < 3 || !job.WorkFinished; round++)
        {
            for (int i = 0; i < 20_000; i += 2) Db.SetString(B($"s:{i}"), B($"r{round}"));
            Db.Delete(B($"big:{round % 6}"));
            if (round > 200) break;
        }
        job.WaitForCompletion();
        Assert.That(job.Error, Is.Null);
        Assert.That(job.TryComplete(), Is.False, "completes once");
        Assert.That(ms.ToArray().AsSpan().SequenceEqual(expected), Is.True);
        Assert.That(job.CopiedBytes, Is.GreaterThan(0));
        Keyspace.Arena.ReleaseDeferred(long.MaxValue);
        Assert.That(Keyspace.Arena.SnapshotActive, Is.False);

        var cancelled = BackgroundSnapshot<KeyspaceRoot>.Start(Keyspace.Arena, _ => CaptureForSnapshot(), (root, view, self) =>
        {
            while (!self.CancelRequested) Thread.Sleep(1);
            throw new OperationCanceledException();
        });
        cancelled.Cancel();
        cancelled.WaitForCompletion();
        Assert.That(cancelled.Error, Is.InstanceOf<OperationCanceledException>());
    }
}
