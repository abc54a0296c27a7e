using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>Payloads an edge device publishes.</summary>
public static class TestDevices
{
    public static readonly DateTimeOffset At = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    public static ReportedState Reported(string deviceId, long appliedVersion = 0, string mode = DegradationModes.Normal) => new(
        SchemaVersion: MqttPayloads.SchemaVersion,
        DeviceId: deviceId,
        LineId: "line-1",
        AppliedDesiredVersion: appliedVersion,
        Mode: mode,
        CommandedMode: mode,
        Model: new ModelInfo("inspection-edge", "1.2.0"),
        ExecutionProvider: "CPU",
        Stats: new PipelineStats(Frames: 1000, Pass: 950, Defect: 30, Uncertain: 20, FramesPerSecond: 29.5, OutboxDepth: 3, Escalated: 17, LastSequence: 1000),
        ReportedAt: At);

    public static DeviceStatus Online(string deviceId, bool online = true) => new(MqttPayloads.SchemaVersion, deviceId, online, At);
}
