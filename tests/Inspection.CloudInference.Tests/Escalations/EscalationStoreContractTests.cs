using Inspection.CloudInference.Escalations;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>
/// What every escalation store does, whatever it keeps escalations in: run against LiteDB
/// (<see cref="LiteDbEscalationStoreTests"/>) and a real PostgreSQL (<see cref="PostgreSqlEscalationStoreTests"/>).
/// </summary>
public abstract class EscalationStoreContractTests
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>A new, empty store; disposed by the derived class.</summary>
    protected abstract Task<IEscalationStore> CreateStoreAsync(RejectedFrameOptions options);

    protected Task<IEscalationStore> CreateStoreAsync() => CreateStoreAsync(new RejectedFrameOptions());

    [Fact]
    public async Task TryAdd_NewKey_StoredWithItsFrameAndEveryField()
    {
        var store = await CreateStoreAsync();
        var escalation = Escalation("cam-1", 7, Verdicts.Defect, T0, edgeConfidence: 0.42);
        escalation.EdgeAudit = "pass";

        Assert.True(store.TryAdd(escalation, [1, 2, 3]));

        var stored = store.Find("cam-1", 7)!;
        Assert.Equal("cam-1/7", stored.Key);
        Assert.Equal(Verdicts.Defect, stored.Verdict);
        Assert.Equal(T0, stored.ReceivedAt);
        Assert.Equal(T0.AddSeconds(-1), stored.CapturedAt);
        Assert.Equal("pass", stored.EdgeAudit);
        Assert.Equal(0.42, Assert.Single(stored.EdgeDetections).Confidence);
        Assert.Equal(640, stored.Width);
        Assert.Equal(new byte[] { 1, 2, 3 }, store.FindJpeg("cam-1", 7));
        Assert.Equal(stored.Key, store.Find("cam-1/7")!.Key);
        Assert.Null(store.Find("cam-1", 8));
        Assert.Null(store.FindJpeg("cam-1", 8));
    }

    [Fact]
    public async Task TryAdd_SameKeyTwice_SecondRefusedAndTheFirstKept()
    {
        var store = await CreateStoreAsync();
        Assert.True(store.TryAdd(Escalation("cam-1", 1, Verdicts.Pass, T0), [1]));

        Assert.False(store.TryAdd(Escalation("cam-1", 1, Verdicts.Defect, T0.AddSeconds(5)), [2]));

        Assert.Equal(Verdicts.Pass, store.Find("cam-1", 1)!.Verdict);
        Assert.Equal(new byte[] { 1 }, store.FindJpeg("cam-1", 1));
        Assert.Equal(1, store.Summary().EscalationsStored);
    }

    [Fact]
    public async Task TryAdd_PartWithThreeFrames_EachFrameUnderItsOwnKeyAndTheFirstAsThePartsImage()
    {
        var store = await CreateStoreAsync();
        var part = Escalation("cam-2", 40, Verdicts.Defect, T0);
        part.Part = new StoredPart
        {
            PartId = 40,
            Source = "line",
            FramesSeen = 5,
            FramesUncertain = 3,
            Frames = [Frame(101, 0.7, string.Empty), Frame(102, 0.2, string.Empty), Frame(103, 0.1, "undecodable")],
        };

        Assert.True(store.TryAdd(part, [.. part.Part.Frames.Select(f => (StoredPart.FrameKeyOf("cam-2", 40, f.Sequence), new[] { (byte)f.Sequence }))]));

        Assert.Equal(new byte[] { 102 }, store.FindPartFrameJpeg("cam-2", 40, 102));
        Assert.Equal(new byte[] { 101 }, store.FindJpeg("cam-2", 40));
        var stored = store.Find("cam-2", 40)!.Part!;
        Assert.Equal([101L, 102L, 103L], stored.Frames.Select(f => f.Sequence));
        Assert.Equal("undecodable", stored.Frames[2].Error);
        Assert.Equal(string.Empty, stored.Frames[0].Error);
        Assert.Equal(new PartSummary(1, 0, 1, 0, 3, 1), store.PartSummary());
    }

    [Fact]
    public async Task Summary_MixedVerdictsAndDuplicates_CountsEach()
    {
        var store = await CreateStoreAsync();
        store.TryAdd(Escalation("cam-1", 1, Verdicts.Pass, T0), [1]);
        store.TryAdd(Escalation("cam-1", 2, Verdicts.Defect, T0), [1]);
        store.TryAdd(Escalation("cam-1", 3, Verdicts.Defect, T0), [1]);
        store.TryAdd(Escalation("cam-1", 4, Verdicts.Uncertain, T0), [1]);
        store.CountDuplicate();
        store.CountDuplicate();

        var summary = store.Summary();

        Assert.Equal((4L, 2L, 0L, 1L, 2L, 1L), (summary.EscalationsStored, summary.DuplicatesAnswered, summary.Rejected, summary.Pass, summary.Defect, summary.Uncertain));
        Assert.Equal(["cam-1/4"], store.FindUncertain().Select(e => e.Key));
        Assert.Equal(4, store.FindAll().Count());
    }

    [Fact]
    public async Task Latest_AndFindReceived_NewestFirstAndOnlyInsideTheWindow()
    {
        var store = await CreateStoreAsync();
        for (var i = 1; i <= 5; i++)
        {
            store.TryAdd(Escalation("cam-1", (ulong)i, Verdicts.Pass, T0.AddMinutes(i)), [1]);
        }

        Assert.Equal(["cam-1/5", "cam-1/4"], store.Latest(2).Select(e => e.Key));
        Assert.Equal(["cam-1/2", "cam-1/3"], store.FindReceived(T0.AddMinutes(2), T0.AddMinutes(4)).Select(e => e.Key).Order());
    }

    [Fact]
    public async Task DisagreementOf_ContradictedVerdicts_CountedForTheDeviceReleaseAndPeriod()
    {
        var store = await CreateStoreAsync();
        store.TryAdd(Escalation("cam-3", 1, Verdicts.Pass, T0, edgeConfidence: 0.8), [1]); // contradicted
        store.TryAdd(Escalation("cam-3", 2, Verdicts.Defect, T0, edgeConfidence: 0.8), [1]); // agreed
        store.TryAdd(Escalation("cam-3", 3, Verdicts.Uncertain, T0, edgeConfidence: 0.8), [1]); // not judged
        store.TryAdd(Escalation("cam-3", 4, Verdicts.Defect, T0.AddHours(-1), edgeConfidence: 0.2), [1]); // before since
        store.TryAdd(Escalation("cam-4", 1, Verdicts.Pass, T0, edgeConfidence: 0.8), [1]); // another device

        Assert.Equal(new Disagreement(2, 1), store.DisagreementOf("cam-3", 0, T0.AddMinutes(-1)));
        Assert.Equal(new Disagreement(3, 2), store.DisagreementOf("cam-3", 0, since: null));
        Assert.Equal(new Disagreement(0, 0), store.DisagreementOf("cam-3", 9, since: null));
    }

    [Fact]
    public async Task AddRejected_SameKeyAndKindThreeTimes_OneRecordCountedWithABoundedSample()
    {
        var store = await CreateStoreAsync(new RejectedFrameOptions { MaxStoredBytes = 4, MaxRecords = 10 });
        var jpeg = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();

        RejectedFrame record = null!;
        for (var i = 0; i < 3; i++)
        {
            record = store.AddRejected("cam-1", 9, "line-1", RefusalKind.Undecodable, $"undecodable #{i}", jpeg, "ipv4:127.0.0.1:5000", T0.AddSeconds(i));
        }

        Assert.Equal(3, record.Count);
        var stored = Assert.Single(store.LatestRejected(10));
        Assert.Equal((3L, 100L, "undecodable #2", 9m), (stored.Count, stored.JpegBytes, stored.Error, stored.Sequence!.Value));
        Assert.Equal(new byte[] { 0, 1, 2, 3 }, stored.Sample);
        Assert.Equal(T0, stored.FirstSeen);
        Assert.Equal(T0.AddSeconds(2), stored.LastSeen);
        Assert.Equal(3, store.Summary().Rejected);
    }

    [Fact]
    public async Task AddRejected_MoreKeysThanMaxRecords_OnlyTheMostRecentKeptAndAllCounted()
    {
        var store = await CreateStoreAsync(new RejectedFrameOptions { MaxRecords = 3 });
        for (var i = 1; i <= 5; i++)
        {
            store.AddRejected("cam-1", (ulong)i, "line-1", RefusalKind.Undecodable, "undecodable", [1, 2], "peer", T0.AddSeconds(i));
        }

        store.AddRejected("cam-1", 5, "line-1", RefusalKind.TooManyPixels, "too many pixels", [1, 2], "peer", T0.AddSeconds(6));

        Assert.Equal([(5m, RefusalKind.TooManyPixels), (5m, RefusalKind.Undecodable), (4m, RefusalKind.Undecodable)],
            store.LatestRejected(10).Select(r => (r.Sequence!.Value, r.Kind)));
        Assert.Equal(6, store.Summary().Rejected);
    }

    [Fact]
    public async Task AddRejected_WithoutAKey_RecordedWithNoDeviceAndNoSequence()
    {
        var store = await CreateStoreAsync();

        store.AddRejected(null, null, "line-1", RefusalKind.NoKey, "no key", [], "peer", T0);

        var record = Assert.Single(store.LatestRejected(10));
        // LiteDB reads an empty string back as null: either way, no device.
        Assert.True(string.IsNullOrEmpty(record.DeviceId));
        Assert.Null(record.Sequence);
    }

    protected static StoredEscalation Escalation(string deviceId, ulong sequence, string verdict, DateTimeOffset receivedAt, double edgeConfidence = 0.4) => new()
    {
        Key = StoredEscalation.KeyOf(deviceId, sequence),
        DeviceId = deviceId,
        Sequence = (long)sequence,
        LineId = "line-1",
        CapturedAt = receivedAt.AddSeconds(-1),
        ReceivedAt = receivedAt,
        ReceivedTicks = receivedAt.UtcTicks,
        Width = 640,
        Height = 480,
        JpegBytes = 3,
        EdgeModelName = "edge",
        EdgeModelVersion = "1",
        EdgeDetections = [new StoredDetection { ClassId = 0, ClassName = "scratch", Confidence = edgeConfidence, X1 = 1.5, Y1 = 2, X2 = 30.25, Y2 = 40 }],
        Reason = "uncertain",
        CloudModelName = "cloud",
        CloudModelVersion = "1",
        Verdict = verdict,
    };

    private static StoredPartFrame Frame(long sequence, double confidence, string error) => new()
    {
        Sequence = sequence,
        Width = 640,
        Height = 480,
        JpegBytes = 1,
        EdgeDetections = [new StoredDetection { ClassName = "scratch", Confidence = confidence }],
        Verdict = error.Length == 0 ? Verdicts.Pass : string.Empty,
        Error = error,
    };
}
