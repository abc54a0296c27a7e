using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Fleet;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;

namespace Inspection.CloudInference.Tests.AgentReleases;

/// <summary>
/// <c>PUT /api/devices/{id}/desired-agent</c>: the device's signed, versioned desired state gains a target naming a
/// registered agent release (URL, size, SHA-256 of the bundle served there), keeping its mode and model; later changes
/// of mode or model keep the agent target.
/// </summary>
public sealed class DesiredAgentApiTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();

    public void Dispose()
    {
        _packages.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task SetAgent_RegisteredRelease_SignedDesiredStateCarriesTheBundleAndKeepsModeAndModel()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory);
        var cancellationToken = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.Created, (await TestAgentBundles.UploadAsync(cloud, TestAgentBundles.Build(_directory, "1.5.0", _packages.Key))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await TestModelPackages.UploadAsync(cloud, _packages.Build(release: 6))).StatusCode);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await FleetApiTests.PutModeAsync(cloud, "cam-9", DegradationModes.LocalOnly);
        Assert.Equal(HttpStatusCode.OK, (await cloud.Http.PutAsJsonAsync("api/devices/cam-9/desired-model", new SetModelRequest(6), cancellationToken)).StatusCode);

        var response = await cloud.ClientAs(AccountRoles.Engineer).PutAsJsonAsync("api/devices/cam-9/desired-agent", new SetAgentRequest("1.5.0"), cancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var state = await ReadSignedDesiredAsync(cloud, "cam-9", s => s.Version == 3);
        Assert.Equal((DegradationModes.LocalOnly, 6L, "test-engineer"), (state.Mode, state.Model!.Release, state.IssuedBy));
        var agent = state.Agent!;
        Assert.Equal("1.5.0", agent.Version);
        Assert.Equal($"http://127.0.0.1:{cloud.HttpPort}/api/agent-releases/1.5.0/agent-1.5.0.zip", agent.Url);

        // What a device does with it: download, then check size and hash before opening the bundle.
        var bundle = await cloud.Anonymous.GetByteArrayAsync(agent.Url, cancellationToken);
        Assert.Equal((agent.Size, agent.Sha256), (bundle.LongLength, ModelPackage.Sha256Of(bundle)));

        var fleet = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-9"));
        Assert.Equal(("1.5.0", 6L), (fleet.Devices.Single(d => d.DeviceId == "cam-9").DesiredAgentVersion, fleet.Devices.Single(d => d.DeviceId == "cam-9").DesiredModelRelease));

        // A later mode change keeps the agent target: the device is not told to forget it.
        await FleetApiTests.PutModeAsync(cloud, "cam-9", DegradationModes.Normal);
        var next = await ReadSignedDesiredAsync(cloud, "cam-9", s => s.Version == 4);
        Assert.Equal((DegradationModes.Normal, agent), (next.Mode, next.Agent));
    }

    [Fact]
    public async Task SetAgent_UnknownVersion_NotFoundAndNothingIssued()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory);

        var response = await cloud.Http.PutAsJsonAsync("api/devices/cam-9/desired-agent", new SetAgentRequest("9.9.9"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(
            "agent release 9.9.9 is not registered (GET /api/agent-releases)",
            (await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error);
        var fleet = await cloud.Http.GetFromJsonAsync<FleetSnapshot>("api/fleet", TestContext.Current.CancellationToken);
        Assert.DoesNotContain(fleet!.Devices, d => d.DeviceId == "cam-9");
    }

    [Fact]
    public async Task SetAgent_AsOperator_Forbidden()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory);
        Assert.Equal(HttpStatusCode.Created, (await TestAgentBundles.UploadAsync(cloud, TestAgentBundles.Build(_directory, "1.5.0", _packages.Key))).StatusCode);

        var response = await cloud.ClientAs(AccountRoles.Operator).PutAsJsonAsync("api/devices/cam-9/desired-agent", new SetAgentRequest("1.5.0"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    /// <summary>The retained desired state as a device receives it, opened with the cloud's control key as a device pins it.</summary>
    private async Task<DesiredState> ReadSignedDesiredAsync(TestCloud cloud, string deviceId, Func<DesiredState, bool> expected)
    {
        using var pinned = TrustedKeys.Load(Path.Combine(_directory.Path, "control-keys"), "device");
        return (await Eventually.WaitAsync(
            "the signed desired state",
            async _ =>
            {
                // A fresh subscription each time: the broker hands over what is retained now.
                await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort, $"{deviceId}-reader");
                await device.SubscribeAsync(MqttTopics.Desired(deviceId));
                var payload = await Eventually.WaitAsync(
                    "the retained desired state",
                    _ => Task.FromResult(device.Received.LastOrDefault(m => m.Topic == MqttTopics.Desired(deviceId)).Payload),
                    p => p is not null,
                    Eventually.DefaultTimeout,
                    TestContext.Current.CancellationToken);
                Assert.True(DesiredStateSignature.TryOpen(payload!, id => pinned.TryGet(id, out var key) ? key : null, pinned.Describe(), out var state, out var error), error);
                Assert.Equal(deviceId, state!.DeviceId);
                return state;
            },
            expected,
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken))!;
    }
}
