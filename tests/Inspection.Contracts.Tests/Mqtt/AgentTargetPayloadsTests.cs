using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Tests.Mqtt;

/// <summary>The agent target in the desired state and the agent update in the reported state.</summary>
public sealed class AgentTargetPayloadsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static readonly AgentTarget Target = new("1.5.0", "https://cloud:5180/agents/agent-1.5.0.zip", new string('a', 64), 48_000_000);

    [Fact]
    public void TryParseDesired_WithAgentTarget_RoundTrips()
    {
        var state = new DesiredState(1, 12, DegradationModes.Normal, At, "ops@plant", Agent: Target);

        Assert.True(MqttPayloads.TryParseDesired(MqttPayloads.Serialize(state), out var parsed, out var error), error);
        Assert.Equal(Target, parsed.Agent);
    }

    [Fact]
    public void Serialize_WithoutAgentTarget_WritesNoAgentFieldForDevicesThatPredateIt()
    {
        var json = System.Text.Encoding.UTF8.GetString(MqttPayloads.Serialize(new DesiredState(1, 12, DegradationModes.Normal)));

        Assert.DoesNotContain("agent", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.5", null, null, null, "agent.version '1.5' is not a semantic version (e.g. 1.4.0)")]
    [InlineData(null, "ftp://cloud/agent.zip", null, null, "agent.url 'ftp://cloud/agent.zip' is not an absolute http(s) URL")]
    [InlineData(null, null, "ABC", null, "agent.sha256 must be 64 lowercase hex digits")]
    [InlineData(null, null, null, 0L, "agent.size must be positive, got 0")]
    public void TryParseDesired_InvalidAgentTarget_RefusedWithTheReason(string? version, string? url, string? sha, long? size, string expected)
    {
        var target = new AgentTarget(version ?? Target.Version, url ?? Target.Url, sha ?? Target.Sha256, size ?? Target.Size);

        Assert.False(MqttPayloads.TryParseDesired(MqttPayloads.Serialize(new DesiredState(1, 12, DegradationModes.Normal, Agent: target)), out var parsed, out var error));
        Assert.Equal(expected, error);
        Assert.Null(parsed);
    }

    [Fact]
    public void TryParseReported_AgentUpdate_RoundTripsAndMayBeAbsent()
    {
        var stats = new PipelineStats(10, 8, 1, 1, 15, 0, 1, 10);
        var update = new AgentUpdateReport("1.5.0", "rolled-back", At, "release 1.5.0 did not report READY=1 within 300 s", "1.4.0");
        var state = new ReportedState(1, "cam-1", "line-1", 3, DegradationModes.Normal, DegradationModes.Normal, new ModelInfo("m", "1.0.0"), "CPU", stats, At, AgentUpdate: update);

        Assert.True(MqttPayloads.TryParseReported(MqttPayloads.Serialize(state), out var parsed, out var error), error);
        Assert.Equal(update, parsed.AgentUpdate);
        Assert.True(MqttPayloads.TryParseReported(MqttPayloads.Serialize(state with { AgentUpdate = null }), out var older, out error), error);
        Assert.Null(older.AgentUpdate);
    }
}
