using System.Text;
using System.Text.Json.Nodes;
using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Tests.Mqtt;

/// <summary>The model target in the desired state and the ota/progress payload.</summary>
public sealed class OtaPayloadsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static readonly ModelTarget Target = new(
        "inspection-edge", 7, "2.7.0", new string('a', 64), 283_000, "http://cloud:5180/api/models/7/manifest.json", new string('b', 64), "c2lnbmF0dXJl", ShadowFrames: 30, MinAgreement: 0.95);

    [Fact]
    public void TryParseDesired_WithModelTarget_RoundTrips()
    {
        var state = new DesiredState(1, 9, DegradationModes.Normal, At, "rollout", Target);

        Assert.True(MqttPayloads.TryParseDesired(MqttPayloads.Serialize(state), out var parsed, out var error), error);
        Assert.Equal(state, parsed);
    }

    [Fact]
    public void TryParseDesired_RollbackToThePreviousRelease_RoundTrips()
    {
        var state = new DesiredState(1, 10, DegradationModes.Normal, At, "rollout ro-2 (accuracy gate)", Target with { Release = 6 }, new ModelRollback(7, 6));

        Assert.True(MqttPayloads.TryParseDesired(MqttPayloads.Serialize(state), out var parsed, out var error), error);
        Assert.Equal(state.Rollback, parsed.Rollback);
    }

    [Fact]
    public void TryParseDesired_RollbackToTheConfiguredModel_NamesNoModel()
    {
        var state = new DesiredState(1, 10, DegradationModes.Normal, At, "rollout", null, new ModelRollback(7, null));

        Assert.True(MqttPayloads.TryParseDesired(MqttPayloads.Serialize(state), out var parsed, out var error), error);
        Assert.Equal(new ModelRollback(7, null), parsed.Rollback);
        Assert.Null(parsed.Model);
    }

    [Theory]
    [InlineData(0L, null, false, "rollback.from must be 1 or more, got 0")]
    [InlineData(7L, 7L, true, "rollback.to (7) must be below rollback.from (7)")]
    [InlineData(7L, 5L, true, "rollback.to (5) must be the release model names (6)")]
    [InlineData(7L, 5L, false, "rollback.to (5) must be the release model names (none)")]
    [InlineData(7L, null, true, "a rollback to the configured model (rollback.to null) names no model")]
    public void TryParseDesired_InvalidRollback_RefusedWithTheReason(long from, long? to, bool withModel, string expected)
    {
        var state = new DesiredState(1, 10, DegradationModes.Normal, At, "rollout", withModel ? Target with { Release = 6 } : null, new ModelRollback(from, to));

        Assert.False(MqttPayloads.TryParseDesired(MqttPayloads.Serialize(state), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParseReported_AgentVersionAndErrors_RoundTripAndMayBeAbsent()
    {
        var stats = new PipelineStats(10, 8, 1, 1, 15, 0, 1, 10);
        var state = new ReportedState(1, "cam-1", "line-1", 3, DegradationModes.Normal, DegradationModes.Normal, new ModelInfo("m", "1.0.0"), "CPU", stats, At,
            AgentVersion: "1.4.0", Errors: new PipelineErrors(1, 2, 0, 3, 0));

        Assert.True(MqttPayloads.TryParseReported(MqttPayloads.Serialize(state), out var parsed, out var error), error);
        Assert.Equal(("1.4.0", new PipelineErrors(1, 2, 0, 3, 0)), (parsed.AgentVersion, parsed.Errors));
        Assert.True(MqttPayloads.TryParseReported(MqttPayloads.Serialize(state with { AgentVersion = null, Errors = null }), out var older, out error), error);
        Assert.Null(older.Errors);
    }

    [Fact]
    public void TryParseDesired_WithoutModel_StaysValidForDevicesThatPredateIt()
    {
        Assert.True(MqttPayloads.TryParseDesired("""{"schemaVersion":1,"version":2,"mode":"normal"}"""u8, out var parsed, out var error), error);
        Assert.Null(parsed.Model);
    }

    [Theory]
    [InlineData("release", "0", "model.release must be 1 or more, got 0")]
    [InlineData("sha256", "\"ABC\"", "model.sha256 must be 64 lowercase hex digits")]
    [InlineData("manifestSha256", "\"x\"", "model.manifestSha256 must be 64 lowercase hex digits")]
    [InlineData("size", "0", "model.size must be positive, got 0")]
    [InlineData("manifestUrl", "\"file:///etc/passwd\"", "model.manifestUrl 'file:///etc/passwd' is not an absolute http(s) URL")]
    [InlineData("manifestUrl", "\"/api/models/7/manifest.json\"", "is not an absolute http(s) URL")]
    [InlineData("signature", "\"\"", "model.signature is missing")]
    [InlineData("minAgreement", "1.5", "model.minAgreement must be between 0 and 1")]
    [InlineData("shadowFrames", "-1", "model.shadowFrames must not be negative")]
    public void TryParseDesired_BadModelTarget_RejectedWithTheReason(string field, string value, string expected)
    {
        var node = JsonNode.Parse(MqttPayloads.Serialize(new DesiredState(1, 9, DegradationModes.Normal, Model: Target)))!;
        node["model"]![field] = JsonNode.Parse(value);

        Assert.False(MqttPayloads.TryParseDesired(Encoding.UTF8.GetBytes(node.ToJsonString()), out var parsed, out var error));
        Assert.Null(parsed);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void TryParseOtaProgress_RoundTrip()
    {
        var progress = new OtaProgress(1, "cam-1", 7, OtaStates.Downloading, At, Bytes: 1000, Total: 283_000);

        Assert.True(MqttPayloads.TryParseOtaProgress(MqttPayloads.Serialize(progress), out var parsed, out var error), error);
        Assert.Equal(progress, parsed);
    }

    [Theory]
    [InlineData("""{"schemaVersion":1,"deviceId":"cam-1","release":7,"state":"exploding","at":"2026-12-06T12:00:00Z"}""", "unknown state 'exploding'")]
    [InlineData("""{"schemaVersion":1,"deviceId":"","release":7,"state":"queued","at":"2026-12-06T12:00:00Z"}""", "deviceId is missing")]
    [InlineData("""{"schemaVersion":2,"deviceId":"cam-1","release":7,"state":"queued","at":"2026-12-06T12:00:00Z"}""", "schemaVersion 2 is not supported")]
    [InlineData("""{"schemaVersion":1,"deviceId":"cam-1","state":"queued","at":"2026-12-06T12:00:00Z"}""", "not valid JSON")]
    public void TryParseOtaProgress_Malformed_RejectedWithTheReason(string json, string expected)
    {
        Assert.False(MqttPayloads.TryParseOtaProgress(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void OtaProgress_Topic_IsUnderTheDevice()
    {
        Assert.Equal("inspection/v1/devices/cam-1/ota/progress", MqttTopics.OtaProgress("cam-1"));
        Assert.True(MqttTopics.TryParse(MqttTopics.OtaProgress("cam-1"), out var device, out var suffix));
        Assert.Equal(("cam-1", MqttTopics.OtaProgressSuffix), (device, suffix));
    }

    [Fact]
    public void IsFinal_OnlyTheLastThreeStates()
    {
        Assert.Equal([OtaStates.Committed, OtaStates.RolledBack, OtaStates.Failed], OtaStates.All.Where(OtaStates.IsFinal));
    }
}
