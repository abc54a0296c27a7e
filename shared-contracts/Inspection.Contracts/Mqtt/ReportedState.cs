namespace Inspection.Contracts.Mqtt;

/// <summary>
/// What a device is doing. Published retained on <c>…/{deviceId}/reported</c> at start, on every
/// change and as a periodic heartbeat.
/// </summary>
/// <param name="SchemaVersion">Payload schema version; this contract reads and writes 1.</param>
/// <param name="DeviceId">The device that reports.</param>
/// <param name="LineId">The production line the device watches.</param>
/// <param name="AppliedDesiredVersion">Version of the last desired state the device applied (0: none yet).</param>
/// <param name="Mode">Effective mode: the more severe of the commanded and the automatic one.</param>
/// <param name="CommandedMode">The mode the last applied desired state asked for.</param>
/// <param name="Model">The model in use.</param>
/// <param name="ExecutionProvider">The ONNX Runtime execution provider that runs the model (TensorRT, CUDA or CPU).</param>
/// <param name="Stats">Counters since the agent started.</param>
/// <param name="ReportedAt">When this report was made.</param>
/// <param name="AutomaticReason">Why the device degraded on its own, or null when it did not.</param>
/// <param name="LastRejected">The last payload the device rejected, or null.</param>
/// <param name="Forwarding">
/// How the device's last attempt to forward its outbox ended: <c>idle</c> (nothing due), <c>sending</c> (a batch was
/// answered), <c>failing</c> (the cloud did not answer; frames back off), <c>circuit-open</c> (the cloud is not called
/// until its next probe), <c>throttled</c> (the cloud was busy and said when to send again; frames wait that long),
/// <c>paused</c> (local-only: nothing is sent, and no call is in flight). Null from devices
/// that predate it.
/// </param>
/// <param name="Ota">The last step of the device's latest model update, or null when it has had none.</param>
/// <param name="Tags">Labels the device carries (<c>Edge:Tags</c>: site, camera kind, …), which rollouts can target; null or empty: none.</param>
/// <param name="AgentVersion">The edge agent's version; null from devices that predate it.</param>
/// <param name="Errors">Failures since the agent started, by kind; null from devices that predate it.</param>
/// <param name="Automatic">Every cause the device degraded for on its own, with the mode each asks for; null or empty: none.</param>
/// <param name="AgentUpdate">The device's latest update of the agent itself, or null when it has had none.</param>
public sealed record ReportedState(
    int SchemaVersion,
    string DeviceId,
    string LineId,
    long AppliedDesiredVersion,
    string Mode,
    string CommandedMode,
    ModelInfo Model,
    string ExecutionProvider,
    PipelineStats Stats,
    DateTimeOffset ReportedAt,
    string? AutomaticReason = null,
    RejectedPayload? LastRejected = null,
    string? Forwarding = null,
    OtaProgress? Ota = null,
    IReadOnlyList<string>? Tags = null,
    string? AgentVersion = null,
    PipelineErrors? Errors = null,
    IReadOnlyList<AutomaticDegradation>? Automatic = null,
    AgentUpdateReport? AgentUpdate = null);

/// <summary>The model a device runs: name and version as its metadata gives them, and the package it came from.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Version">Model version.</param>
/// <param name="Release">Release of the committed package, or null for the model the agent was configured with.</param>
/// <param name="Sha256">SHA-256 of the ONNX file, or null when not known.</param>
public sealed record ModelInfo(string Name, string Version, long? Release = null, string? Sha256 = null);

/// <summary>Counters of the inspection pipeline since the agent started.</summary>
/// <param name="Frames">Frames inspected.</param>
/// <param name="Pass">Frames decided pass.</param>
/// <param name="Defect">Frames decided defect.</param>
/// <param name="Uncertain">Frames decided uncertain (each one went into the outbox).</param>
/// <param name="FramesPerSecond">Inspection rate over the last reporting interval.</param>
/// <param name="OutboxDepth">Uncertain frames waiting to be forwarded.</param>
/// <param name="Escalated">Frames the cloud has stored.</param>
/// <param name="LastSequence">Sequence number of the last frame.</param>
/// <param name="Skipped">Frames read but not inspected: every frame but the Nth in reduced mode, every frame while paused.</param>
/// <param name="SafeRejected">Uncertain frames the safe policy rejected as defect (still escalated for the cloud to settle).</param>
/// <param name="OutboxBytes">Stored size of the uncertain frames waiting to be forwarded; 0 from devices that predate it.</param>
/// <param name="OutboxQuotaShare">
/// How full the outbox is against its quota, 0 to 1 (the larger of its byte and frame shares); near 1 the device
/// evicts frames by its policy. 0 from devices that predate it.
/// </param>
/// <param name="Parts">Parts decided since the agent started, when it groups frames into parts; null when it decides frames only (<c>Parts:Source</c> none) and from devices that predate parts.</param>
/// <param name="Reviews">Reviewed verdicts the device received since the agent started (parts and frames alike); null from devices that predate them.</param>
public sealed record PipelineStats(
    long Frames,
    long Pass,
    long Defect,
    long Uncertain,
    double FramesPerSecond,
    long OutboxDepth,
    long Escalated,
    long LastSequence,
    long Skipped = 0,
    long SafeRejected = 0,
    long OutboxBytes = 0,
    double OutboxQuotaShare = 0,
    PartStats? Parts = null,
    ReviewStats? Reviews = null);

/// <summary>
/// Reviewed verdicts (<see cref="ReviewVerdict"/>) a device received on its <c>verdicts</c> topic since its agent started.
/// A redelivered verdict is counted once.
/// </summary>
/// <param name="Defect">Verdicts recorded that made a part or frame a defect.</param>
/// <param name="Pass">Verdicts recorded that made a part or frame pass.</param>
/// <param name="Unknown">Verdicts that named a part or frame this device does not hold (never seen, or removed by retention).</param>
/// <param name="Refused">Payloads refused: malformed, unsigned, signed by a key the device does not pin, or for another device.</param>
/// <param name="LastId">Id of the last verdict recorded, or null when none was.</param>
/// <param name="ConfirmedThrough">
/// The highest verdict number N (<see cref="ReviewVerdict.Number"/>) such that the device holds every verdict 1..N,
/// computed from what it stored (so it survives a restart); a gap holds it below the gap. The cloud keeps re-sending a
/// verdict until this covers it. Null from devices that predate it.
/// </param>
public sealed record ReviewStats(long Defect, long Pass, long Unknown, long Refused, string? LastId = null, long? ConfirmedThrough = null);

/// <summary>
/// Parts a device decided since its agent started: each part once, when it has left the view (a defect in any frame
/// rejects it, it passes only when every frame passed, otherwise it is uncertain and escalated once).
/// </summary>
/// <param name="Source">Where part identity comes from: <c>tracker</c> or <c>trigger</c>.</param>
/// <param name="Passed">Parts passed by the edge.</param>
/// <param name="Rejected">Parts rejected by the edge (a defect in at least one frame; the safe policy's rejections included).</param>
/// <param name="Uncertain">Parts the edge could not decide; each one is escalated once.</param>
/// <param name="Escalated">Uncertain parts the cloud has stored (and answered).</param>
/// <param name="InView">Parts being followed now, not decided yet.</param>
public sealed record PartStats(string Source, long Passed, long Rejected, long Uncertain, long Escalated, long InView);

/// <summary>
/// Failures of the inspection pipeline since the agent started: what the events and logs tell one by one, counted
/// here so the fleet view shows a device that fails quietly.
/// </summary>
/// <param name="Capture">Frames the source could not deliver (unreadable images, a camera that stopped).</param>
/// <param name="Detector">Frames the model failed on.</param>
/// <param name="Storage">Results or sequence numbers the local database could not store.</param>
/// <param name="OutboxWrites">Uncertain frames whose outbox write failed (kept in memory and retried).</param>
/// <param name="OutboxDropped">Uncertain frames given up because too many waited for the outbox.</param>
/// <param name="OutboxEvicted">Outbox entries evicted by its quota or age policy before the cloud stored them.</param>
/// <param name="EventsDropped">Device events dropped because the queue to the broker was full.</param>
public sealed record PipelineErrors(long Capture, long Detector, long Storage, long OutboxWrites, long OutboxDropped, long OutboxEvicted = 0, long EventsDropped = 0);

/// <summary>A payload a device refused, with the reason, so the sender can see what went wrong.</summary>
/// <param name="Topic">Where the payload arrived.</param>
/// <param name="Error">Why it was refused.</param>
/// <param name="At">When it was refused.</param>
public sealed record RejectedPayload(string Topic, string Error, DateTimeOffset At);
