using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.AgentUpdate;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Storage;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Control;

/// <summary>Builds the <see cref="ReportedState"/> from the device state, the model and the pipeline counters.</summary>
public sealed class ReportedStateBuilder
{
    private readonly DeviceState _state;
    private readonly IModelSwitch _models;
    private readonly OtaProgressFeed _ota;
    private readonly DeviceEvents _events;
    private readonly AgentUpdateStore _agentUpdates;
    private readonly EdgeStats _stats;
    private readonly OutboxStore _outbox;
    private readonly ReviewVerdictStore _verdicts;
    private readonly ForwardingState _forwarding;
    private readonly EdgeOptions _edge;
    private readonly TimeSpan _rateWindow;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private long _baselineTimestamp;
    private long _baselineFrames;
    private double _framesPerSecond;

    public ReportedStateBuilder(
        DeviceState state,
        IModelSwitch models,
        EdgeStats stats,
        OutboxStore outbox,
        ReviewVerdictStore verdicts,
        ForwardingState forwarding,
        OtaProgressFeed ota,
        DeviceEvents events,
        AgentUpdateStore agentUpdates,
        IOptions<EdgeOptions> edge,
        IOptions<ReportingOptions> reporting,
        TimeProvider timeProvider)
    {
        _state = state;
        _models = models;
        _ota = ota;
        _events = events;
        _agentUpdates = agentUpdates;
        _stats = stats;
        _outbox = outbox;
        _verdicts = verdicts;
        _forwarding = forwarding;
        _edge = edge.Value;
        _rateWindow = TimeSpan.FromSeconds(reporting.Value.IntervalSeconds);
        _timeProvider = timeProvider;
        _baselineTimestamp = timeProvider.GetTimestamp();
    }

    public ReportedState Build()
    {
        var frames = _stats.Frames;
        var outbox = _outbox.Usage;
        var running = _models.Running;
        return new ReportedState(
            SchemaVersion: MqttPayloads.SchemaVersion,
            DeviceId: _edge.DeviceId,
            LineId: _edge.LineId,
            AppliedDesiredVersion: _state.AppliedDesiredVersion,
            Mode: _state.EffectiveMode.ToWire(),
            CommandedMode: _state.CommandedMode.ToWire(),
            Model: running?.Model ?? new ModelInfo(string.Empty, string.Empty),
            ExecutionProvider: running?.ExecutionProvider ?? string.Empty,
            Stats: new PipelineStats(
                Frames: frames,
                Pass: _stats.Pass,
                Defect: _stats.Defect,
                Uncertain: _stats.Uncertain,
                FramesPerSecond: FramesPerSecond(frames),
                OutboxDepth: outbox.Entries,
                Escalated: _stats.Escalated,
                LastSequence: _stats.LastSequence,
                Skipped: _stats.Skipped,
                SafeRejected: _stats.SafeRejected,
                OutboxBytes: outbox.Bytes,
                OutboxQuotaShare: Math.Round(outbox.Share, 4),
                Parts: _stats.PartSource is { } source
                    ? new PartStats(source, _stats.PartsPassed, _stats.PartsRejected, _stats.PartsUncertain, _stats.PartsEscalated, _stats.PartsInView)
                    : null,
                Reviews: new ReviewStats(_stats.ReviewedDefect, _stats.ReviewedPass, _stats.ReviewsUnknown, _stats.ReviewsRefused, _stats.LastReviewId, _verdicts.ConfirmedThrough)),
            ReportedAt: _timeProvider.GetUtcNow(),
            AutomaticReason: _state.AutomaticReason,
            LastRejected: _state.LastRejected,
            Forwarding: _forwarding.ToWire(),
            Ota: _ota.Latest,
            Tags: _edge.Tags.Count == 0 ? null : _edge.Tags,
            AgentVersion: AgentVersion.Current,
            Errors: new PipelineErrors(_stats.CaptureErrors, _stats.DetectorErrors, _stats.StorageErrors, _stats.OutboxWriteFailures, _stats.OutboxDropped, OutboxEvicted: _stats.OutboxEvicted, EventsDropped: _events.Dropped),
            Automatic: _state.AutomaticCauses is { Count: > 0 } causes ? causes : null,
            AgentUpdate: _agentUpdates.Latest is { } update
                ? new AgentUpdateReport(update.Version, update.Phase, update.At, update.Reason, update.Previous, update.LineStoppedSeconds)
                : null);
    }

    private double FramesPerSecond(long frames)
    {
        lock (_gate)
        {
            // Reports on a change come between heartbeats; measuring over a few milliseconds would be noise.
            var now = _timeProvider.GetTimestamp();
            var elapsed = _timeProvider.GetElapsedTime(_baselineTimestamp, now);
            if (elapsed >= _rateWindow / 2)
            {
                _framesPerSecond = Math.Round((frames - _baselineFrames) / elapsed.TotalSeconds, 2);
                _baselineTimestamp = now;
                _baselineFrames = frames;
            }

            return _framesPerSecond;
        }
    }
}
