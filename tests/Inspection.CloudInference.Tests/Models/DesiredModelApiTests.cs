using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Fleet;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;

namespace Inspection.CloudInference.Tests.Models;

/// <summary>
/// <c>PUT /api/devices/{id}/desired-model</c>: the desired state gains a reference to a registered release, which the
/// device can verify on its own (the manifest at the URL hashes to what the target says and is signed by the
/// publisher); the device's ota/progress reaches the fleet view.
/// </summary>
public sealed class DesiredModelApiTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();

    public void Dispose()
    {
        _packages.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task SetModel_RegisteredRelease_PublishedRetainedWithAVerifiableTargetAndTheModeKept()
    {
        await using var cloud = await StartAsync();
        await Upload(cloud, _packages.Build(release: 6));
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await FleetApiTests.PutModeAsync(cloud, "cam-9", DegradationModes.LocalOnly);

        var response = await cloud.Http.PutAsJsonAsync(
            "api/devices/cam-9/desired-model", new SetModelRequest(6, ShadowFrames: 40), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort, "cam-9");
        await device.SubscribeAsync(MqttTopics.Desired("cam-9"));
        var desired = await Eventually.WaitAsync(
            "the retained desired state with the model",
            _ => Task.FromResult(device.Received.LastOrDefault(m => m.Topic == MqttTopics.Desired("cam-9"))),
            m => m.Payload is not null,
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken);
        Assert.True(desired.Retained);
        Assert.True(DesiredStateSignature.TryReadUnverified(desired.Payload, out var state, out var error), error);
        Assert.Equal((2L, DegradationModes.LocalOnly, TestCloud.AdminName), (state.Version, state.Mode, state.IssuedBy));
        var target = state.Model!;
        Assert.Equal((6L, 40), (target.Release, target.ShadowFrames));
        Assert.Equal($"http://127.0.0.1:{cloud.HttpPort}/api/models/6/manifest.json", target.ManifestUrl);

        // What a device does with it: fetch the manifest, check its hash, verify the signature with its own key.
        var manifest = await cloud.Http.GetByteArrayAsync(target.ManifestUrl, TestContext.Current.CancellationToken);
        Assert.Equal(target.ManifestSha256, ModelPackage.Sha256Of(manifest));
        using var trusted = TrustedKeys.Of("device", _packages.Key);
        var verified = ModelPackage.Verify(manifest, target.Signature, trusted);
        Assert.Equal((verified.Model.Sha256, verified.Model.Size), (target.Sha256, target.Size));

        var fleet = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-9"));
        Assert.Equal(6, fleet.Devices.Single(d => d.DeviceId == "cam-9").DesiredModelRelease);
    }

    [Fact]
    public async Task UploadAndSetModel_ClaimedNames_RecordTheSignedInAccount()
    {
        await using var cloud = await StartAsync();
        await FleetApiTests.WaitForBrokerAsync(cloud);
        var engineer = cloud.ClientAs(AccountRoles.Engineer);
        var cancellationToken = TestContext.Current.CancellationToken;

        // What older clients send: a name of their choosing in the query and in the body.
        using var package = new ByteArrayContent(_packages.Build(release: 6));
        package.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var uploaded = await engineer.PostAsync("api/models?uploadedBy=mallory", package, cancellationToken);
        using var body = new StringContent("""{"release":6,"issuedBy":"mallory"}""", System.Text.Encoding.UTF8, "application/json");
        using var set = await engineer.PutAsync("api/devices/cam-9/desired-model", body, cancellationToken);

        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        Assert.Equal("test-engineer", (await uploaded.Content.ReadFromJsonAsync<ModelListItem>(cancellationToken))!.UploadedBy);
        Assert.Equal("test-engineer", (await cloud.Http.GetFromJsonAsync<ModelListItem>("api/models/6", cancellationToken))!.UploadedBy);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("test-engineer", (await set.Content.ReadFromJsonAsync<DesiredState>(cancellationToken))!.IssuedBy);
    }

    [Fact]
    public async Task SetModel_UnknownRelease_NotFound()
    {
        await using var cloud = await StartAsync();

        var response = await cloud.Http.PutAsJsonAsync("api/devices/cam-9/desired-model", new SetModelRequest(42), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("release 42 is not registered", (await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error);
    }

    [Theory]
    [InlineData("{\"issuedBy\":\"alice\"}", "release is required")]
    [InlineData("{\"release\":6,\"minAgreement\":2}", "model.minAgreement must be between 0 and 1")]
    public async Task SetModel_BadRequest_SaysWhatIsWrong(string body, string expected)
    {
        await using var cloud = await StartAsync();
        await Upload(cloud, _packages.Build(release: 6));
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await cloud.Http.PutAsync("api/devices/cam-9/desired-model", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await response.Content.ReadFromJsonAsync<ApiError>(TestContext.Current.CancellationToken))!.Error);
    }

    [Fact]
    public async Task OtaProgress_FromTheDevice_ShownInTheFleetNewestFirst()
    {
        await using var cloud = await StartAsync();
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort, "cam-9");

        await device.PublishAsync(MqttTopics.OtaProgress("cam-9"), MqttPayloads.Serialize(new OtaProgress(1, "cam-9", 6, OtaStates.Downloading, TestDevices.At, 10, 100)), retain: false);
        await device.PublishAsync(MqttTopics.OtaProgress("cam-9"), MqttPayloads.Serialize(new OtaProgress(1, "cam-9", 6, OtaStates.Failed, TestDevices.At, Reason: "golden set")), retain: false);

        var fleet = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.LastOtaProgress?.Count == 2));
        var progress = fleet.Devices.Single().LastOtaProgress!;
        Assert.Equal([OtaStates.Failed, OtaStates.Downloading], progress.Select(p => p.State));
        Assert.Equal("golden set", progress[0].Reason);
    }

    private Task<TestCloud> StartAsync() => _packages.StartCloudAsync(_directory);

    private static async Task Upload(TestCloud cloud, byte[] package) =>
        Assert.Equal(HttpStatusCode.Created, (await TestModelPackages.UploadAsync(cloud, package)).StatusCode);
}
