using System.Security.Cryptography;
using System.Text;
using Inspection.Contracts.Mqtt;

namespace Inspection.Contracts.Tests.Mqtt;

public sealed class DesiredStateSignatureTests : IDisposable
{
    private static readonly DesiredState State = new(1, 5, DegradationModes.LocalOnly, new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero), "operator", DeviceId: "cam-1");
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose() => _key.Dispose();

    [Fact]
    public void TryOpen_SignedWithTheTrustedKey_ReturnsTheSameState()
    {
        var payload = DesiredStateSignature.Sign(State, _key);

        var opened = DesiredStateSignature.TryOpen(payload, Trusted, "k", out var state, out var error);

        Assert.True(opened, error);
        Assert.Equal(State, state);
    }

    [Fact]
    public void Sign_Envelope_CarriesTheStateBytesAsBase64AndTheKeyId()
    {
        var payload = DesiredStateSignature.Sign(State, _key);

        Assert.True(MqttPayloads.TryParseSignedDesired(payload, out var envelope, out var error), error);
        Assert.Equal(MqttPayloads.Serialize(State), Convert.FromBase64String(envelope.State));
        Assert.Equal(DesiredStateSignature.KeyIdOf(_key), envelope.KeyId);
        Assert.Equal(64, Convert.FromBase64String(envelope.Signature).Length);
    }

    [Theory]
    [InlineData("""{"schemaVersion":1,"version":7,"mode":"paused"}""", "the desired state (version 7) is unsigned")]
    [InlineData("""{"schemaVersion":1,"state":"","keyId":"k","signature":"s"}""", "state is missing")]
    [InlineData("""{"schemaVersion":1,"state":"!!","keyId":"k","signature":"c2ln"}""", "its state is not base64")]
    [InlineData("""{"schemaVersion":1,"state":"e30=","keyId":"k","signature":"c2ln"}""", "its signature is not a base64 P-256 signature")]
    [InlineData("[1,2]", "payload is not a JSON object")]
    public void TryOpen_Malformed_RefusedWithTheReason(string json, string expected)
    {
        var opened = DesiredStateSignature.TryOpen(Encoding.UTF8.GetBytes(json), Trusted, "k", out var state, out var error);

        Assert.False(opened);
        Assert.Null(state);
        Assert.StartsWith(expected, error);
    }

    [Fact]
    public void TryReadUnverified_SignedByAnyKey_ReadsTheStateWithoutTrustingIt()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.True(DesiredStateSignature.TryReadUnverified(DesiredStateSignature.Sign(State, other), out var state, out var error), error);
        Assert.False(DesiredStateSignature.TryOpen(DesiredStateSignature.Sign(State, other), Trusted, "k", out _, out _));
        Assert.Equal(State, state);
    }

    private ECDsa? Trusted(string keyId) => keyId == DesiredStateSignature.KeyIdOf(_key) ? _key : null;
}
