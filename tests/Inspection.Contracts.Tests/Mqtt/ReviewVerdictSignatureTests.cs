using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Tests.Mqtt;

public sealed class ReviewVerdictSignatureTests : IDisposable
{
    private static readonly ReviewVerdict Verdict = new(
        1, "v-7f3a", "cam-1", "cam-1/42", 42, IsPart: true, ReviewVerdicts.Defect, "fix", "alice", new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero), ["scratch", "edge"]);

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose() => _key.Dispose();

    [Fact]
    public void TryOpen_SignedWithTheTrustedKey_ReturnsTheSameVerdict()
    {
        var payload = ReviewVerdictSignature.Sign(Verdict, _key);

        Assert.True(ReviewVerdictSignature.TryOpen(payload, Trusted, "k", out var verdict, out var error), error);
        Assert.Equal(Verdict with { Tags = null }, verdict with { Tags = null });
        Assert.Equal(Verdict.Tags, verdict.Tags);
    }

    [Fact]
    public void Sign_Envelope_CarriesTheVerdictBytesAsBase64AndTheKeyId()
    {
        var payload = ReviewVerdictSignature.Sign(Verdict, _key);

        Assert.True(MqttPayloads.TryParseSignedVerdict(payload, out var envelope, out var error), error);
        Assert.Equal(MqttPayloads.Serialize(Verdict), Convert.FromBase64String(envelope.Body));
        Assert.Equal(ControlSignature.KeyIdOf(_key), envelope.KeyId);
        Assert.Equal(DesiredStateSignature.KeyIdOf(_key), envelope.KeyId);
        Assert.Equal(64, Convert.FromBase64String(envelope.Signature).Length);
    }

    [Fact]
    public void TryOpen_SignedByAnotherKey_RefusedNamingTheKey()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.False(ReviewVerdictSignature.TryOpen(ReviewVerdictSignature.Sign(Verdict, other), Trusted, "k", out var verdict, out var error));
        Assert.Null(verdict);
        Assert.StartsWith($"it is signed by key {ControlSignature.KeyIdOf(other)}, which this device does not trust", error);
    }

    [Fact]
    public void TryOpen_VerdictChangedAfterSigning_Refused()
    {
        var envelope = JsonNode.Parse(ReviewVerdictSignature.Sign(Verdict, _key))!;
        envelope["body"] = Convert.ToBase64String(MqttPayloads.Serialize(Verdict with { Verdict = ReviewVerdicts.Pass, Action = "reject" }));

        Assert.False(ReviewVerdictSignature.TryOpen(Encoding.UTF8.GetBytes(envelope.ToJsonString()), Trusted, "k", out _, out var error));
        Assert.StartsWith("its signature does not match its verdict", error);
    }

    [Fact]
    public void TryOpen_ADesiredStateOnTheVerdictsTopic_Refused()
    {
        var desired = DesiredStateSignature.Sign(new DesiredState(1, 5, DegradationModes.Paused, DeviceId: "cam-1"), _key);

        Assert.False(ReviewVerdictSignature.TryOpen(desired, Trusted, "k", out _, out var error));
        Assert.Contains("not valid JSON for SignedReviewVerdict", error);
    }

    [Theory]
    [InlineData("""{"schemaVersion":1,"id":"v1","escalationKey":"cam-1/4","verdict":"pass"}""", "the verdict \"v1\" is unsigned")]
    [InlineData("""{"schemaVersion":1,"body":"","keyId":"k","signature":"s"}""", "body is missing")]
    [InlineData("""{"schemaVersion":1,"body":"!!","keyId":"k","signature":"c2ln"}""", "its verdict is not base64")]
    [InlineData("""{"schemaVersion":1,"body":"e30=","keyId":"k","signature":"c2ln"}""", "its signature is not a base64 P-256 signature")]
    [InlineData("""{"schemaVersion":2,"body":"e30=","keyId":"k","signature":"c2ln"}""", "schemaVersion 2 is not supported")]
    [InlineData("[1,2]", "payload is not a JSON object")]
    public void TryOpen_Malformed_RefusedWithTheReason(string json, string expected)
    {
        Assert.False(ReviewVerdictSignature.TryOpen(Encoding.UTF8.GetBytes(json), Trusted, "k", out var verdict, out var error));
        Assert.Null(verdict);
        Assert.StartsWith(expected, error);
    }

    private ECDsa? Trusted(string keyId) => keyId == ControlSignature.KeyIdOf(_key) ? _key : null;
}
