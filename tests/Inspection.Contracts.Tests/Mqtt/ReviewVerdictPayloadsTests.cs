using System.Text;
using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Tests.Mqtt;

public sealed class ReviewVerdictPayloadsTests
{
    private static readonly ReviewVerdict Verdict = new(
        1, "v-1", "cam-1", "cam-1/42", 42, IsPart: false, ReviewVerdicts.Pass, "reject", "bob", new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero));

    [Fact]
    public void TryParseVerdict_RoundTrip_ReturnsTheSameVerdict()
    {
        Assert.True(MqttPayloads.TryParseVerdict(MqttPayloads.Serialize(Verdict), out var parsed, out var error), error);
        Assert.Equal(Verdict, parsed);
    }

    [Fact]
    public void Serialize_Verdict_UsesCamelCaseAndSchemaVersion()
    {
        var json = Encoding.UTF8.GetString(MqttPayloads.Serialize(Verdict));

        Assert.Contains("\"schemaVersion\":1", json);
        Assert.Contains("\"escalationKey\":\"cam-1/42\"", json);
        Assert.Contains("\"isPart\":false", json);
        Assert.Contains("\"reviewedAt\":\"2026-12-01T09:30:00+00:00\"", json);
        Assert.DoesNotContain("tags", json);
    }

    [Fact]
    public void TryParseVerdict_UnknownFields_AreIgnored()
    {
        var json = """{"schemaVersion":1,"id":"v9","deviceId":"cam-2","escalationKey":"cam-2/7","sequence":7,"isPart":true,"verdict":"defect","action":"accept","reviewer":"r","reviewedAt":"2026-12-01T09:30:00Z","future":{"x":1}}"""u8;

        Assert.True(MqttPayloads.TryParseVerdict(json, out var parsed, out var error), error);
        Assert.Equal(("v9", 7L, ReviewVerdicts.Defect), (parsed.Id, parsed.Sequence, parsed.Verdict));
    }

    [Fact]
    public void TryParseVerdict_Numbered_RoundTripsTheNumberWithinSchemaVersion1()
    {
        var numbered = Verdict with { Number = 7 };
        var json = MqttPayloads.Serialize(numbered);

        Assert.True(MqttPayloads.TryParseVerdict(json, out var parsed, out var error), error);
        Assert.Equal(numbered, parsed);
        Assert.Contains("\"number\":7", Encoding.UTF8.GetString(json));
        Assert.Contains("\"schemaVersion\":1", Encoding.UTF8.GetString(json));
    }

    [Fact]
    public void TryParseVerdict_FromACloudThatPredatesNumbers_ReadsNumberZero()
    {
        var json = """{"schemaVersion":1,"id":"v9","deviceId":"cam-2","escalationKey":"cam-2/7","sequence":7,"isPart":true,"verdict":"defect","action":"accept","reviewer":"r","reviewedAt":"2026-12-01T09:30:00Z"}"""u8;

        Assert.True(MqttPayloads.TryParseVerdict(json, out var parsed, out var error), error);
        Assert.Equal(0, parsed.Number);
    }

    [Theory]
    [InlineData("""{"schemaVersion":2,"id":"v1"}""", "schemaVersion 2 is not supported")]
    [InlineData("""{"schemaVersion":0,"id":"v1"}""", "schemaVersion 0 is not supported")]
    [InlineData("""{"id":"v1"}""", "schemaVersion is missing")]
    [InlineData("""{"schemaVersion":1,"id":"v1","deviceId":"cam-1"}""", "not valid JSON")]
    public void TryParseVerdict_UnknownVersionOrMissingFields_Refused(string json, string expected)
    {
        Assert.False(MqttPayloads.TryParseVerdict(Encoding.UTF8.GetBytes(json), out var parsed, out var error));
        Assert.Null(parsed);
        Assert.Contains(expected, error);
    }

    public static TheoryData<ReviewVerdict, string> Invalid() => new()
    {
        { Verdict with { Id = "a/b" }, "id 'a/b' is not valid" },
        { Verdict with { DeviceId = "+" }, "deviceId '+' is not valid" },
        { Verdict with { Sequence = -1, EscalationKey = "cam-1/-1" }, "sequence must not be negative" },
        { Verdict with { EscalationKey = "cam-2/42" }, "escalationKey 'cam-2/42' does not name device cam-1 and sequence 42" },
        { Verdict with { Verdict = "maybe" }, "unknown verdict 'maybe'" },
        { Verdict with { Action = "shrug" }, "unknown action 'shrug'" },
        { Verdict with { Action = "accept" }, "action 'accept' gives verdict 'defect', not 'pass'" },
        { Verdict with { Reviewer = " " }, "reviewer is missing" },
        { Verdict with { Number = -1 }, "number must not be negative" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void TryParseVerdict_Invalid_RefusedWithTheReason(ReviewVerdict verdict, string expected)
    {
        Assert.False(MqttPayloads.TryParseVerdict(MqttPayloads.Serialize(verdict), out var parsed, out var error));
        Assert.Null(parsed);
        Assert.Equal(expected, error[..Math.Min(error.Length, expected.Length)]);
    }

    [Fact]
    public void Verdicts_Topic_IsPerDeviceUnderTheVersionedRoot()
    {
        Assert.Equal("inspection/v1/devices/cam-1/verdicts", MqttTopics.Verdicts("cam-1"));
        Assert.Throws<ArgumentException>(() => MqttTopics.Verdicts("cam/+"));
    }
}
