using System.Text;
using System.Text.Json.Nodes;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.EdgeAgent.Tests.Control;

public sealed class DesiredStateVerifierTests : IDisposable
{
    private const string DeviceId = "cam-1";
    private static readonly DateTimeOffset At = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly EdgeDatabase _database;
    private readonly DeviceState _state;
    private readonly ControlKey _cloud;
    private readonly DesiredStateVerifier _verifier;

    public DesiredStateVerifierTests()
    {
        _database = new EdgeDatabase(_temp.File("edge.db"));
        _state = new DeviceState(new ControlStateStore(_database));
        _cloud = ControlKey.Create(_temp.Folder("control-keys"));
        _verifier = new DesiredStateVerifier(_cloud.Trust(), _state, DeviceId);
    }

    [Fact]
    public void Check_SignedForThisDevice_Accepted()
    {
        var result = _verifier.Check(_cloud.SignBytes(State(1)), out var state, out var error);

        Assert.Equal(DesiredStateCheck.Accepted, result);
        Assert.Equal(State(1), state);
        Assert.Empty(error);
    }

    [Fact]
    public void Check_Unsigned_RejectedAsUnsigned()
    {
        var result = _verifier.Check(MqttPayloads.Serialize(State(1)), out var state, out var error);

        Assert.Equal(DesiredStateCheck.Rejected, result);
        Assert.Null(state);
        Assert.Equal("the desired state (version 1) is unsigned: this device applies only states signed by the cloud's control key", error);
    }

    [Fact]
    public void Check_SignedByAKeyTheDeviceDoesNotPin_RejectedNamingTheKey()
    {
        using var rogue = ControlKey.Create(_temp.Folder("rogue"));

        var result = _verifier.Check(rogue.SignBytes(State(1)), out _, out var error);

        Assert.Equal(DesiredStateCheck.Rejected, result);
        Assert.StartsWith($"it is signed by key {rogue.KeyId}, which this device does not trust (trusted: {_cloud.KeyId})", error);
    }

    [Fact]
    public void Check_StateChangedAfterSigning_RejectedAsBadSignature()
    {
        var envelope = JsonNode.Parse(_cloud.SignBytes(State(1)))!;
        var tampered = MqttPayloads.Serialize(State(1, DegradationModes.LocalOnly));
        envelope["state"] = Convert.ToBase64String(tampered);

        var result = _verifier.Check(Encoding.UTF8.GetBytes(envelope.ToJsonString()), out _, out var error);

        Assert.Equal(DesiredStateCheck.Rejected, result);
        Assert.StartsWith($"its signature does not match its state under key {_cloud.KeyId}", error);
    }

    [Fact]
    public void Check_SignedForAnotherDevice_Rejected()
    {
        var result = _verifier.Check(_cloud.SignBytes(State(1) with { DeviceId = "cam-2" }), out _, out var error);

        Assert.Equal(DesiredStateCheck.Rejected, result);
        Assert.Equal("the signed state (version 1) is for device 'cam-2', not for this one (cam-1)", error);
    }

    [Fact]
    public void Check_SignedWithoutDeviceId_Rejected()
    {
        var result = _verifier.Check(_cloud.SignBytes(State(1) with { DeviceId = null }), out _, out var error);

        Assert.Equal(DesiredStateCheck.Rejected, result);
        Assert.Contains("names no device", error);
    }

    [Fact]
    public void Check_VersionBelowTheApplied_RejectedAsReplayed()
    {
        _state.Apply(State(4));

        var result = _verifier.Check(_cloud.SignBytes(State(3)), out _, out var error);

        Assert.Equal(DesiredStateCheck.Rejected, result);
        Assert.Equal("replayed: version 3 is below the applied version 4", error);
    }

    [Fact]
    public void Check_AppliedVersionWithOtherContent_RejectedAsReplayed()
    {
        _state.Apply(State(4));

        var result = _verifier.Check(_cloud.SignBytes(State(4, DegradationModes.LocalOnly)), out _, out var error);

        Assert.Equal(DesiredStateCheck.Rejected, result);
        Assert.Equal("replayed: version 4 is already applied with other content", error);
    }

    [Fact]
    public void Check_AppliedStateRedeliveredAfterARestart_IgnoredQuietly()
    {
        var payload = _cloud.SignBytes(State(4));
        Assert.Equal(DesiredStateCheck.Accepted, _verifier.Check(payload, out var first, out _));
        _state.Apply(first!);

        // A restarted agent reads its applied state back from the database; the broker redelivers the retained one.
        using var restarted = new DesiredStateVerifier(_cloud.Trust(), new DeviceState(new ControlStateStore(_database)), DeviceId);
        var result = restarted.Check(payload, out var state, out var error);

        Assert.Equal(DesiredStateCheck.Redelivered, result);
        Assert.Null(state);
        Assert.Empty(error);
        Assert.Equal((0L, 1L, 0L), (restarted.Accepted, restarted.Redelivered, restarted.Rejected));
    }

    [Fact]
    public void Check_ASecondPinnedKey_BothAccepted()
    {
        // Rotation: the device pins the old and the new key while the cloud switches.
        using var next = ControlKey.Create(_cloud.TrustFolder);
        using var verifier = new DesiredStateVerifier(TrustedKeys.Load(_cloud.TrustFolder, "device"), _state, DeviceId);

        Assert.Equal(DesiredStateCheck.Accepted, verifier.Check(_cloud.SignBytes(State(1)), out _, out var oldError));
        Assert.Equal(DesiredStateCheck.Accepted, verifier.Check(next.SignBytes(State(1)), out _, out var newError));
        Assert.Equal((string.Empty, string.Empty), (oldError, newError));
    }

    [Fact]
    public void LoadKeys_EmptyFolder_RefusesWithWhatToDo()
    {
        var folder = _temp.Folder("empty-keys");

        var ex = Assert.Throws<InvalidOperationException>(() => DesiredStateVerifier.LoadKeys(folder));

        Assert.Contains("holds no *.pem public key", ex.Message);
        Assert.Contains("control.public.pem", ex.Message);
    }

    [Fact]
    public void LoadKeys_MissingFolder_RefusesNamingTheKey()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => DesiredStateVerifier.LoadKeys(_temp.File("nowhere")));

        Assert.StartsWith("Control:TrustedKeysPath", ex.Message);
    }

    [Fact]
    public void Parsers_TenThousandFuzzedPayloads_NeverThrowAndNeverOpenAState()
    {
        using var rogue = ControlKey.Create(_temp.Folder("rogue"));
        var fuzzer = new PayloadFuzzer(seed: 7, _cloud.SignBytes(State(1)), rogue, DeviceId);
        using var trusted = _cloud.Trust();
        var opened = 0;
        var readable = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var payload = fuzzer.Next(out _);

            // Every parser a device or the cloud runs on what arrives over MQTT; none may throw.
            _ = MqttPayloads.TryParseDesired(payload, out _, out _);
            _ = MqttPayloads.TryParseSignedDesired(payload, out _, out _);
            _ = MqttPayloads.TryParseReported(payload, out _, out _);
            _ = MqttPayloads.TryParseStatus(payload, out _, out _);
            _ = MqttPayloads.TryParseEvent(payload, out _, out _);
            _ = MqttPayloads.TryParseOtaProgress(payload, out _, out _);
            readable += DesiredStateSignature.TryReadUnverified(payload, out _, out _) ? 1 : 0;
            if (DesiredStateSignature.TryOpen(payload, id => trusted.TryGet(id, out var key) ? key : null, trusted.Describe(), out var state, out _))
            {
                // Only the valid state itself may open (a mutation that decodes to the same bytes): never anything else.
                Assert.Equal(State(1), state);
                opened++;
            }
        }

        Assert.True(readable > 1_000, $"only {readable} fuzzed payloads were readable envelopes: the generator stopped producing near-valid ones");
        Assert.True(opened < 100, $"{opened} mutated payloads opened as the valid state");
    }

    [Fact]
    public void KeyIdOf_SameKey_SameIdAsAModelPublisherKey()
    {
        Assert.Equal(ManifestSignature.KeyIdOf(_cloud.Key), DesiredStateSignature.KeyIdOf(_cloud.Key));
    }

    public void Dispose()
    {
        _verifier.Dispose();
        _cloud.Dispose();
        _database.Dispose();
        _temp.Dispose();
    }

    private static DesiredState State(long version, string mode = DegradationModes.Normal) =>
        new(MqttPayloads.SchemaVersion, version, mode, At, "operator", DeviceId: DeviceId);
}
