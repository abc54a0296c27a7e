using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.Detection;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.Tests.Control;

public sealed class ReviewVerdictHandlerTests : IDisposable
{
    private const string DeviceId = "cam-1";
    private static readonly string Topic = MqttTopics.Verdicts(DeviceId);
    private static readonly DateTimeOffset ReviewedAt = new(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly ControlKey _cloud;
    private readonly EdgeDatabase _database;
    private readonly DeviceState _state;
    private readonly DeviceEvents _events;
    private readonly EdgeStats _stats = new();
    private readonly DesiredStateVerifier _verifier;
    private readonly ListLoggerProvider _logs = new();
    private readonly ReviewVerdictStore _store;
    private readonly ReviewVerdictHandler _handler;

    public ReviewVerdictHandlerTests()
    {
        _cloud = ControlKey.Create(_temp.Folder("control-keys"));
        _database = new EdgeDatabase(_temp.File("edge.db"));
        _state = new DeviceState(new ControlStateStore(_database));
        _events = new DeviceEvents(TestOptions.Edge(DeviceId), TimeProvider.System);
        _verifier = new DesiredStateVerifier(_cloud.Trust(), _state, DeviceId);
        _store = new ReviewVerdictStore(_database);
        _handler = new ReviewVerdictHandler(_verifier, _store, _state, _events, _stats, TestOptions.Edge(DeviceId), TimeProvider.System, _logs.CreateLogger<ReviewVerdictHandler>());
        _database.PartCollection.Insert(new PartRecord { Id = 42, Source = "tracker", EdgeDecision = Decision.Uncertain, CloudVerdict = "uncertain", CloudModel = "cloud-1" });
        _database.ResultCollection.Insert(new InspectionRecord { Id = 77, Decision = Decision.Uncertain, CloudVerdict = "uncertain", CloudModel = "cloud-1" });
    }

    public void Dispose()
    {
        _verifier.Dispose();
        _database.Dispose();
        _cloud.Dispose();
        _logs.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void Handle_SignedVerdictForAKnownPart_RecordsTheFinalVerdictAndKeepsTheCloudsOwn()
    {
        var outcome = _handler.Handle(Topic, Signed(Verdict("v-1", 42, isPart: true, "fix", ReviewVerdicts.Defect, tags: ["scratch"])));

        Assert.Equal(ReviewVerdictOutcome.Applied, outcome);
        var part = _database.PartCollection.FindById(42);
        Assert.Equal((ReviewVerdicts.Defect, "review", "uncertain", "cloud-1"), (part.FinalVerdict, part.FinalVerdictSource, part.CloudVerdict, part.CloudModel));
        Assert.Equal(("v-1", "fix", "alice", ReviewedAt.UtcDateTime), (part.Review!.Id, part.Review.Action, part.Review.Reviewer, part.Review.ReviewedAt));
        Assert.Equal(["scratch"], part.Review.Tags);
        Assert.Equal((1L, 0L, 0L, 0L, "v-1"), (_stats.ReviewedDefect, _stats.ReviewedPass, _stats.ReviewsUnknown, _stats.ReviewsRefused, _stats.LastReviewId));
    }

    [Fact]
    public void Handle_FrameEscalation_RecordsTheFinalVerdictOnTheFramesResult()
    {
        var outcome = _handler.Handle(Topic, Signed(Verdict("v-2", 77, isPart: false, "reject", ReviewVerdicts.Pass)));

        Assert.Equal(ReviewVerdictOutcome.Applied, outcome);
        var result = _database.ResultCollection.FindById(77);
        Assert.Equal((ReviewVerdicts.Pass, "review", "uncertain", Decision.Uncertain), (result.FinalVerdict, result.FinalVerdictSource, result.CloudVerdict, result.Decision));
        Assert.Null(_database.PartCollection.FindById(42).FinalVerdict);
        Assert.Equal((0L, 1L), (_stats.ReviewedDefect, _stats.ReviewedPass));
    }

    [Fact]
    public void Handle_SameVerdictRedelivered_ChangesNothingTheSecondTime()
    {
        var payload = Signed(Verdict("v-3", 42, isPart: true, "accept", ReviewVerdicts.Defect));
        _handler.Handle(Topic, payload);
        var first = _database.PartCollection.FindById(42).Review!.ReceivedAt;

        var again = _handler.Handle(Topic, payload);
        // A new handler over the same file: after a restart the redelivery is still recognised.
        var restarted = new ReviewVerdictHandler(_verifier, new ReviewVerdictStore(_database), _state, _events, _stats, TestOptions.Edge(DeviceId), TimeProvider.System, _logs.CreateLogger<ReviewVerdictHandler>());
        var afterRestart = restarted.Handle(Topic, payload);

        Assert.Equal((ReviewVerdictOutcome.Redelivered, ReviewVerdictOutcome.Redelivered), (again, afterRestart));
        Assert.Equal(first, _database.PartCollection.FindById(42).Review!.ReceivedAt);
        Assert.Equal(1, _stats.ReviewedDefect);
        Assert.Equal(1, new ReviewVerdictStore(_database).Count());
    }

    [Fact]
    public void Handle_APartThisDeviceDoesNotHold_CountedAndWarnedWithoutAChange()
    {
        var payload = Signed(Verdict("v-4", 4242, isPart: true, "accept", ReviewVerdicts.Defect));

        var outcome = _handler.Handle(Topic, payload);
        _handler.Handle(Topic, payload);

        Assert.Equal(ReviewVerdictOutcome.Unknown, outcome);
        Assert.Equal((1L, 0L, 0L), (_stats.ReviewsUnknown, _stats.ReviewedDefect, _stats.ReviewsRefused));
        Assert.Null(_database.PartCollection.FindById(42).FinalVerdict);
        Assert.Contains(_logs.Entries, e => e.EventId == 1522 && e.Level == LogLevel.Warning && e.Message.Contains("4242"));
        Assert.True(_events.TryPeek(out var raised));
        Assert.Equal("verdict-unknown", raised.Type);
    }

    [Fact]
    public void Handle_AnEarlierReviewAfterALaterOne_KeepsTheLaterOne()
    {
        _handler.Handle(Topic, Signed(Verdict("v-late", 42, isPart: true, "reject", ReviewVerdicts.Pass, at: ReviewedAt.AddMinutes(5))));

        var outcome = _handler.Handle(Topic, Signed(Verdict("v-early", 42, isPart: true, "accept", ReviewVerdicts.Defect)));

        Assert.Equal(ReviewVerdictOutcome.Superseded, outcome);
        var part = _database.PartCollection.FindById(42);
        Assert.Equal((ReviewVerdicts.Pass, "v-late"), (part.FinalVerdict, part.Review!.Id));
    }

    public static TheoryData<string, string> Refusals() => new()
    {
        { "unsigned", "the verdict \"v-9\" is unsigned" },
        { "rogue", "it is signed by key " },
        { "other-device", "the signed verdict v-9 is for device 'cam-2', not for this one (cam-1)" },
        { "not-json", "payload is not valid JSON for SignedReviewVerdict" },
        { "schema-2", "schemaVersion 2 is not supported" },
        { "invalid-inside", "its signed verdict is invalid: action 'reject' gives verdict 'pass', not 'defect'" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Handle_NotFromTheCloudForThisDevice_RefusedReportedAndCounted(string kind, string expected)
    {
        using var rogue = ControlKey.Create(_temp.Folder("rogue"));
        var verdict = Verdict("v-9", 42, isPart: true, "accept", ReviewVerdicts.Defect);
        var payload = kind switch
        {
            "unsigned" => MqttPayloads.Serialize(verdict),
            "rogue" => ReviewVerdictSignature.Sign(verdict, rogue.Key),
            "other-device" => Signed(verdict with { DeviceId = "cam-2", EscalationKey = "cam-2/42" }),
            "not-json" => "{ not json"u8.ToArray(),
            "schema-2" => """{"schemaVersion":2,"body":"e30=","keyId":"k","signature":"c2ln"}"""u8.ToArray(),
            _ => Signed(verdict with { Action = "reject" }),
        };

        var outcome = _handler.Handle(Topic, payload);

        Assert.Null(outcome);
        Assert.StartsWith(expected, _state.LastRejected!.Error);
        Assert.Equal(Topic, _state.LastRejected.Topic);
        Assert.Equal((1L, 0L), (_stats.ReviewsRefused, _stats.ReviewedDefect));
        Assert.Null(_database.PartCollection.FindById(42).FinalVerdict);
        Assert.Equal(0, new ReviewVerdictStore(_database).Count());
        Assert.True(_events.TryPeek(out var raised));
        Assert.Equal("verdict-rejected", raised.Type);
        Assert.Contains(_logs.Entries, e => e.EventId == 1520 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public void Handle_TwoThousandFuzzedPayloads_NoneRecordedAndTheNextVerdictIs()
    {
        const int Count = 2_000;
        var valid = Signed(Verdict("v-base", 77, isPart: false, "accept", ReviewVerdicts.Defect));
        Assert.Equal(ReviewVerdictOutcome.Applied, _handler.Handle(Topic, valid));
        using var rogue = ControlKey.Create(_temp.Folder("rogue"));
        var fuzzer = new PayloadFuzzer(seed: 20_261_207, valid, rogue, DeviceId);
        var outcomes = new Dictionary<string, int>();

        for (var i = 0; i < Count; i++)
        {
            var key = _handler.Handle(Topic, fuzzer.Next(out _))?.ToString() ?? "refused";
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
        }

        // Only the valid verdict itself (an added unknown field keeps it valid) may come through, and then as a redelivery.
        Assert.Equal(Count, outcomes.GetValueOrDefault("refused") + outcomes.GetValueOrDefault("Redelivered"));
        Assert.Equal(outcomes.GetValueOrDefault("refused"), _stats.ReviewsRefused);
        Assert.True(_stats.ReviewsRefused > Count * 8 / 10, string.Join(", ", outcomes));
        Assert.Equal(1, _stats.ReviewedDefect);
        Assert.Equal(ReviewVerdictOutcome.Applied, _handler.Handle(Topic, Signed(Verdict("v-next", 42, isPart: true, "reject", ReviewVerdicts.Pass))));
    }

    [Fact]
    public void Handle_NumbersWithAGap_WatermarkHeldBelowTheGapUntilItCloses()
    {
        _handler.Handle(Topic, Signed(Verdict("v-n1", 42, isPart: true, "accept", ReviewVerdicts.Defect) with { Number = 1 }));
        _handler.Handle(Topic, Signed(Verdict("v-n3", 77, isPart: false, "reject", ReviewVerdicts.Pass) with { Number = 3 }));
        var withGap = _store.ConfirmedThrough;
        // A refused payload is not held: it does not close the gap.
        _handler.Handle(Topic, Encoding.UTF8.GetBytes("{\"schemaVersion\":1,\"id\":\"v-n2\",\"escalationKey\":\"cam-1/4242\",\"number\":2}"));
        var afterRefusal = _store.ConfirmedThrough;

        // A verdict naming a part this device does not hold still arrived: it closes the gap.
        var outcome = _handler.Handle(Topic, Signed(Verdict("v-n2", 4242, isPart: true, "accept", ReviewVerdicts.Defect) with { Number = 2 }));

        Assert.Equal((1L, 1L, ReviewVerdictOutcome.Unknown, 3L), (withGap, afterRefusal, outcome, _store.ConfirmedThrough));
    }

    [Fact]
    public void ConfirmedThrough_NewStoreOverTheSameFile_KeepsTheWatermarkAndItsGap()
    {
        foreach (var number in new long[] { 1, 2, 3, 5 })
        {
            _handler.Handle(Topic, Signed(Verdict($"v-r{number}", 42, isPart: true, "accept", ReviewVerdicts.Defect, ReviewedAt.AddMinutes(number)) with { Number = number }));
        }

        var restarted = new ReviewVerdictStore(_database);
        var afterRestart = restarted.ConfirmedThrough;
        restarted.Apply(Verdict("v-r4", 42, isPart: true, "accept", ReviewVerdicts.Defect, ReviewedAt.AddMinutes(4)) with { Number = 4 }, DateTimeOffset.UtcNow);

        Assert.Equal((3L, 3L, 5L), (_store.ConfirmedThrough, afterRestart, restarted.ConfirmedThrough));
    }

    [Fact]
    public void Handle_RecordedWithoutANumberThenRedeliveredWithOne_CountsTowardsTheWatermark()
    {
        var verdict = Verdict("v-old", 42, isPart: true, "accept", ReviewVerdicts.Defect);
        _handler.Handle(Topic, Signed(verdict));
        var before = _store.ConfirmedThrough;

        var outcome = _handler.Handle(Topic, Signed(verdict with { Number = 1 }));

        Assert.Equal((0L, ReviewVerdictOutcome.Redelivered, 1L, 1L), (before, outcome, _store.ConfirmedThrough, new ReviewVerdictStore(_database).ConfirmedThrough));
    }

    private static ReviewVerdict Verdict(string id, long sequence, bool isPart, string action, string verdict, DateTimeOffset? at = null, IReadOnlyList<string>? tags = null) =>
        new(MqttPayloads.SchemaVersion, id, DeviceId, $"{DeviceId}/{sequence}", sequence, isPart, verdict, action, "alice", at ?? ReviewedAt, tags);

    private byte[] Signed(ReviewVerdict verdict) => ReviewVerdictSignature.Sign(verdict, _cloud.Key);
}
