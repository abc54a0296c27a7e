using System.Text;
using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Tests.Mqtt;

public class MqttPayloadsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryParseDesired_RoundTrip_ReturnsSameState()
    {
        var state = new DesiredState(1, 7, DegradationModes.LocalOnly, At, "operator");

        var ok = MqttPayloads.TryParseDesired(MqttPayloads.Serialize(state), out var parsed, out var error);

        Assert.True(ok, error);
        Assert.Equal(state, parsed);
    }

    [Fact]
    public void Serialize_Desired_UsesCamelCaseAndSchemaVersion()
    {
        var json = Encoding.UTF8.GetString(MqttPayloads.Serialize(new DesiredState(1, 3, DegradationModes.Normal)));

        Assert.Contains("\"schemaVersion\":1", json);
        Assert.Contains("\"version\":3", json);
        Assert.Contains("\"mode\":\"normal\"", json);
        Assert.DoesNotContain("issuedBy", json);
    }

    [Fact]
    public void TryParseDesired_UnknownFields_AreIgnored()
    {
        var json = """{"schemaVersion":1,"version":2,"mode":"local-only","futureField":{"x":[1,2]},"another":true}"""u8;

        Assert.True(MqttPayloads.TryParseDesired(json, out var parsed, out var error), error);
        Assert.Equal(DegradationModes.LocalOnly, parsed.Mode);
        Assert.Equal(2, parsed.Version);
    }

    [Theory]
    [InlineData("", "payload is empty")]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("""{"version":2,"mode":"normal"}""", "schemaVersion is missing")]
    [InlineData("""{"schemaVersion":2,"version":2,"mode":"normal"}""", "schemaVersion 2 is not supported")]
    [InlineData("""{"schemaVersion":"1","version":2,"mode":"normal"}""", "schemaVersion is missing")]
    [InlineData("""{"schemaVersion":1,"version":0,"mode":"normal"}""", "version must be 1 or more")]
    [InlineData("""{"schemaVersion":1,"version":3,"mode":"turbo"}""", "unknown mode 'turbo'")]
    [InlineData("""{"schemaVersion":1,"version":3}""", "not valid JSON")]
    [InlineData("""{"schemaVersion":1,"version":"x","mode":"normal"}""", "not valid JSON")]
    [InlineData("""{"schemaVersion":1,"version":3,"mode":null}""", "not valid JSON")]
    public void TryParseDesired_Malformed_RejectedWithReason(string json, string expected)
    {
        var ok = MqttPayloads.TryParseDesired(Encoding.UTF8.GetBytes(json), out var parsed, out var error);

        Assert.False(ok);
        Assert.Null(parsed);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void TryParseReported_RoundTrip_ReturnsEqualValues()
    {
        var state = new ReportedState(
            1, "dev-1", "line-1", 4, DegradationModes.LocalOnly, DegradationModes.LocalOnly,
            new ModelInfo("edge", "1.0.0"), "CPU",
            new PipelineStats(100, 90, 5, 5, 14.5, 3, 2, 100),
            At,
            LastRejected: new RejectedPayload("t", "bad", At),
            Forwarding: "paused");

        Assert.True(MqttPayloads.TryParseReported(MqttPayloads.Serialize(state), out var parsed, out var error), error);
        Assert.Equal("paused", parsed.Forwarding);
        Assert.Equal(state.Stats, parsed.Stats);
        Assert.Equal(state.Model, parsed.Model);
        Assert.Equal(state.LastRejected, parsed.LastRejected);
        Assert.Equal(4, parsed.AppliedDesiredVersion);
    }

    [Fact]
    public void TryParseReported_MissingStats_Rejected()
    {
        var json = """{"schemaVersion":1,"deviceId":"d","lineId":"l","appliedDesiredVersion":0,"mode":"normal","commandedMode":"normal","model":{"name":"m","version":"1"},"executionProvider":"CPU","reportedAt":"2026-11-26T12:00:00Z"}"""u8;

        Assert.False(MqttPayloads.TryParseReported(json, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void TryParseStatus_LastWill_RoundTrips()
    {
        var status = new DeviceStatus(1, "dev-1", false, At, "last-will");

        Assert.True(MqttPayloads.TryParseStatus(MqttPayloads.Serialize(status), out var parsed, out var error), error);
        Assert.Equal(status, parsed);
    }

    [Fact]
    public void TryParseEvent_MissingType_Rejected()
    {
        var json = """{"schemaVersion":1,"deviceId":"d","type":"","message":"m","at":"2026-11-26T12:00:00Z"}"""u8;

        Assert.False(MqttPayloads.TryParseEvent(json, out _, out var error));
        Assert.Equal("type is missing", error);
    }
}
