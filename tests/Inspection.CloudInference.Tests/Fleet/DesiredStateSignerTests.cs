using System.Text.Json.Nodes;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Mqtt;
using Inspection.CloudInference.Fleet;
using Inspection.Detection.Packaging;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Tests.Fleet;

/// <summary>The cloud's control key: generated once, kept, and what every published desired state is signed with.</summary>
public sealed class DesiredStateSignerTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Start_NoKeyYet_GeneratesOneWhosePublicHalfVerifiesWhatTheCloudPublishes()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await FleetApiTests.PutModeAsync(cloud, "cam-1", DegradationModes.LocalOnly);

        var payload = await ReadRetainedAsync(cloud.BrokerPort, "cam-1");
        using var pinned = TrustedKeys.Load(Path.Combine(_directory.Path, "control-keys"), "device");
        var opened = DesiredStateSignature.TryOpen(payload, id => pinned.TryGet(id, out var key) ? key : null, pinned.Describe(), out var state, out var error);

        Assert.True(opened, error);
        Assert.Equal(("cam-1", 1L, DegradationModes.LocalOnly), (state!.DeviceId, state.Version, state.Mode));
        var privateKey = Path.Combine(_directory.Path, "control.private.pem");
        Assert.True(File.Exists(privateKey), "no private key beside the database");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privateKey));
        }
    }

    [Fact]
    public async Task Start_Restarted_KeepsItsKeyAndRepublishesTheSameSignedStateBytes()
    {
        byte[] before;
        await using (var cloud = await TestCloud.StartAsync(_directory.Path))
        {
            await FleetApiTests.WaitForBrokerAsync(cloud);
            await FleetApiTests.PutModeAsync(cloud, "cam-2", DegradationModes.LocalOnly);
            before = await ReadRetainedAsync(cloud.BrokerPort, "cam-2");
        }

        // The embedded broker starts empty: what a device then receives is the restarted cloud's republish.
        await using var restarted = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(restarted);
        var after = await ReadRetainedAsync(restarted.BrokerPort, "cam-2");

        // Same key, and the same state bytes: a device that applied the first takes the second as redelivered.
        Assert.Equal(Field(before, "keyId"), Field(after, "keyId"));
        Assert.Equal(Field(before, "state"), Field(after, "state"));
    }

    [Fact]
    public async Task Create_EightProcessesSharingTheFolderAtOnce_AllUseOneWholeKey()
    {
        // Replicas given one key folder and started together: each finds either no key or a whole one, never half a file.
        var options = Options.Create(new ControlOptions { SigningKeyPath = _directory.File("control.private.pem") });
        var cloud = Options.Create(new CloudOptions { StoragePath = _directory.File("cloud.db") });
        var environment = new HostingEnvironment { ContentRootPath = _directory.Path };
        using var start = new Barrier(8);
        var signers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait(TestContext.Current.CancellationToken);
            return new DesiredStateSigner(options, cloud, environment, NullLogger<DesiredStateSigner>.Instance);
        })));
        try
        {
            Assert.Single(signers.Select(s => s.KeyId).Distinct());
            Assert.Equal(["control.private.pem", "control.private.pem.lock"], Directory.GetFiles(_directory.Path, "control*").Select(Path.GetFileName).Order());
            using var pinned = TrustedKeys.Load(Path.Combine(_directory.Path, "control-keys"), "device");
            Assert.True(pinned.TryGet(signers[0].KeyId, out _), "the public half on disk is not the key in use");
        }
        finally
        {
            foreach (var signer in signers)
            {
                signer.Dispose();
            }
        }
    }

    [Fact]
    public async Task Start_SigningKeyPathHoldsNoPrivateKey_RefusesToStartNamingTheKey()
    {
        var path = _directory.File("control.pem");
        using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(path, key.ExportSubjectPublicKeyInfoPem());
        }

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => TestCloud.StartAsync(_directory.Path, [$"--Cloud:Control:SigningKeyPath={path}"]));

        Assert.Contains($"'{path}' (Cloud:Control:SigningKeyPath) holds no private key", ex.ToString());
    }

    private static string Field(byte[] payload, string name) => JsonNode.Parse(payload)![name]!.GetValue<string>();

    private static async Task<byte[]> ReadRetainedAsync(int brokerPort, string deviceId)
    {
        await using var device = await TestMqttClient.ConnectAsync(brokerPort, "reader-" + Guid.NewGuid().ToString("N"));
        await device.SubscribeAsync(MqttTopics.Desired(deviceId));
        return await Eventually.WaitAsync(
            "the retained desired state",
            _ => Task.FromResult(device.Received.FirstOrDefault(m => m.Topic == MqttTopics.Desired(deviceId)).Payload),
            payload => payload is not null,
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken) ?? [];
    }
}
