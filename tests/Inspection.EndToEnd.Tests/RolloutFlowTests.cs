using System.Security.Cryptography;
using System.Text.Json;
using Inspection.CloudInference.Tests.Infrastructure.Browser;
using Inspection.Detection.Packaging;
using Inspection.EndToEnd.Tests.Infrastructure;
using Inspection.ModelTools.Packaging;

namespace Inspection.EndToEnd.Tests;

/// <summary>
/// A rollout across two real agents (separate processes, real broker, real downloads): canary first, then the other
/// device; both commit without a frame dropped, the rollout completes, and the operator page shows it in headless
/// Chromium.
/// </summary>
public sealed class RolloutFlowTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rollout_TwoAgents_CanaryThenWaveCommitAndTheRolloutCompletes(bool mosquitto)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = new InspectionSystem();
        await using var broker = mosquitto ? await MosquittoBroker.StartAsync(ct) : null;
        if (broker is not null)
        {
            system.MqttPort = broker.Port;
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keys = Directory.CreateDirectory(Path.Combine(system.Directory, "trusted-keys")).FullName;
        await File.WriteAllTextAsync(Path.Combine(keys, "publisher.pem"), key.ExportSubjectPublicKeyInfoPem(), ct);
        var video = system.RenderLine(seed: 14, frames: 90);
        var cloud = await system.StartCloudAsync(
            embeddedBroker: !mosquitto,
            ct,
            $"--Cloud:Models:StoragePath={Path.Combine(system.Directory, "registry")}",
            $"--Cloud:Models:TrustedKeysPath={keys}",
            "--Cloud:Rollouts:TickMilliseconds=250");
        var agents = new List<ServiceProcess>();
        string[] devices = ["e2e-roll-a", "e2e-roll-b"];
        foreach (var deviceId in devices)
        {
            agents.Add(system.StartEdge(
                deviceId, video, loop: true, maxFps: 15,
                $"--Ota:TrustedKeysPath={keys}", $"--Ota:ModelsPath={Path.Combine(system.Directory, $"models-{deviceId}")}",
                "--Ota:ShadowFrames=20", "--Ota:HealthFrames=20", "--Edge:Tags:0=e2e"));
        }

        await Eventually.WaitAsync(
            "both devices online and inspecting",
            async c => await Task.WhenAll(devices.Select(d => system.Api.FindDeviceAsync(d, c))),
            all => all.All(d => d is { } e && e.GetProperty("online").GetBoolean() && e.GetProperty("reported").GetProperty("stats").GetProperty("frames").GetInt64() > 0),
            TimeSpan.FromSeconds(90),
            ct,
            [cloud, .. agents]);
        await system.Api.UploadModelAsync(Package(key), ct);

        var id = await system.Api.StartRolloutAsync(
            new
            {
                release = 1,
                target = new { tag = "e2e" },
                strategy = new { canary = new { devices = new[] { "e2e-roll-a" } }, accuracyGate = new { escalations = 5, minutes = 0.25 } },
            },
            ct);

        // Shadow, health and gate windows count frames: on two cores shared with other builds the agents ran at 2 fps
        // (15 quiet), so the bound is generous; a quiet machine completes in about a minute.
        var done = await Eventually.WaitAsync(
            "the rollout to complete",
            async c => await system.Api.GetAsync($"/api/rollouts/{id}", c),
            r => r.GetProperty("state").GetString() is "completed" or "halted",
            TimeSpan.FromSeconds(420),
            ct,
            [cloud, .. agents]);
        Assert.True(done.GetProperty("state").GetString() == "completed", done.GetProperty("reason").GetString());
        var waves = done.GetProperty("waves").EnumerateArray().ToList();
        Assert.Equal(["canary", "wave 1"], waves.Select(w => w.GetProperty("name").GetString()));
        Assert.True(waves[1].GetProperty("startedAt").GetDateTimeOffset() >= waves[0].GetProperty("endedAt").GetDateTimeOffset(), "wave 1 started before the canary ended");
        foreach (var device in done.GetProperty("devices").EnumerateArray())
        {
            Assert.Equal("succeeded", device.GetProperty("state").GetString());
        }

        string page;
        await using (var browser = await OperatorBrowser.LaunchAsync())
        {
            await browser.SignInAsync(new Uri($"{system.Api.BaseUrl}/"), InspectionSystem.AdminName, InspectionSystem.AdminPassword);
            page = await browser.RefreshedPageAsync();
        }

        Assert.Contains(id, page);
        Assert.Contains("rollout-devices", page);
        Assert.Contains("passed the accuracy gate", page);

        // Both lines went on through the update: no sequence used twice or skipped.
        foreach (var agent in agents)
        {
            await agent.StopAsync(TimeSpan.FromSeconds(20));
        }

        foreach (var deviceId in devices)
        {
            var sequences = system.ReadEdgeDatabase(deviceId).Sequences.Order().ToList();
            Assert.Equal(sequences.Count, sequences.Distinct().Count());
            Assert.Equal(sequences.Count, (int)(sequences[^1] - sequences[0] + 1));
        }
    }

    private static byte[] Package(ECDsa key)
    {
        using var package = new MemoryStream();
        ModelPackageBuilder.Build(
            RepoPaths.EdgeModel,
            [.. ModelPacker.GoldenImages(seed: 4242, count: 3).Select(g => g.Png)],
            new PackageDetails(1, "inspection-edge", null, new RecommendedSettings(0.25f, 0.85f, 0.15f, 0.3f, false), "1.0.0", GoldenTolerance.Default),
            key,
            TimeProvider.System,
            package);
        return package.ToArray();
    }
}
