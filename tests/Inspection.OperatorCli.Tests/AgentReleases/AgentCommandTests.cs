using System.Net.Http.Json;
using System.Text.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;
using Inspection.Contracts.Rollouts;
using Inspection.OperatorCli.Tests.Infrastructure;

namespace Inspection.OperatorCli.Tests.AgentReleases;

/// <summary>
/// <c>agent upload|list|set</c> and <c>rollout start --agent-version</c> against the real cloud, with real signed agent
/// bundles and scripted devices on its broker.
/// </summary>
public sealed class AgentCommandTests : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();
    private readonly List<ScriptedDevice> _devices = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }

        _packages.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Upload_SignedBundle_ListedAndSetAsADevicesDesiredAgent()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory);
        var engineer = cloud.TokenFor("alice", AccountRoles.Engineer);
        using var upload = new TestCli();

        var uploaded = await upload.RunAsync("agent", "upload", "--file", WriteBundle("1.5.0"), "--api", cloud.ApiUri.ToString(), "--token", engineer);

        Assert.True(uploaded == ExitCodes.Ok, upload.Error);
        Assert.StartsWith("Registered agent 1.5.0.", upload.Output, StringComparison.Ordinal);
        using var list = new TestCli();
        Assert.Equal(ExitCodes.Ok, await list.RunAsync("agent", "list", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        var row = list.Row("1.5.0");
        Assert.Equal("alice", row[^1]);

        using var set = new TestCli();
        Assert.Equal(ExitCodes.Ok, await set.RunAsync("agent", "set", "--device", "cam-9", "--agent-version", "1.5.0", "--json", "--api", cloud.ApiUri.ToString(), "--token", engineer));
        var state = JsonSerializer.Deserialize<DesiredState>(set.Output, JsonSerializerOptions.Web)!;
        Assert.Equal(("1.5.0", "alice"), (state.Agent!.Version, state.IssuedBy));
        Assert.Equal($"http://127.0.0.1:{cloud.HttpPort}/api/agent-releases/1.5.0/agent-1.5.0.zip", state.Agent.Url);
    }

    [Fact]
    public async Task Upload_LargeBundleAsOperator_RefusedWithTheReasonNotAsUnreachable()
    {
        // A real bundle is ~300 MB: the cloud refuses an operator before reading the body, and the CLI must hear that
        // refusal rather than fail writing a body nobody reads ("unreachable"). 64 MiB is well past what the sockets
        // buffer; the cloud never looks at it.
        await using var cloud = await _packages.StartCloudAsync(_directory);
        var path = _directory.File("large.zip");
        using (var file = File.Create(path))
        {
            file.SetLength(64L * 1024 * 1024);
        }

        using var upload = new TestCli();
        var exit = await upload.RunAsync("agent", "upload", "--file", path, "--api", cloud.ApiUri.ToString(), "--token", cloud.TokenFor("olga", AccountRoles.Operator));

        Assert.True(exit == ExitCodes.NotAuthorized, $"exit {exit}: {upload.Error}");
        Assert.DoesNotContain("unreachable", upload.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_AsOperator_ExitsNotAuthorized()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory);
        using var upload = new TestCli();

        var exit = await upload.RunAsync("agent", "upload", "--file", WriteBundle("1.5.0"), "--api", cloud.ApiUri.ToString(), "--token", cloud.TokenFor("olga", AccountRoles.Operator));

        Assert.Equal(ExitCodes.NotAuthorized, exit);
        Assert.Empty((await cloud.Http.GetFromJsonAsync<List<AgentReleaseItem>>("api/agent-releases", TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public async Task Set_UnknownVersion_ExitsNotFoundWithTheCloudsReason()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory);
        using var set = new TestCli();

        var exit = await set.RunAsync("agent", "set", "--device", "cam-9", "--agent-version", "9.9.9", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.NotFound, exit);
        Assert.Contains("agent release 9.9.9 is not registered", set.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RolloutStart_AgentVersion_CanaryThenTheRestCommitAndWatchEndsZero()
    {
        await using var cloud = await _packages.StartCloudAsync(_directory, "--Cloud:Rollouts:TickMilliseconds=100");
        using (var upload = new TestCli())
        {
            Assert.Equal(ExitCodes.Ok, await upload.RunAsync("agent", "upload", "--file", WriteBundle("1.5.0"), "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        }

        foreach (var device in new[] { "cam-a", "cam-b" })
        {
            _devices.Add(await ScriptedDevice.StartAsync(cloud.BrokerPort, device));
        }

        await Eventually.WaitAsync(
            "the devices online in the fleet",
            async c => await cloud.Http.GetFromJsonAsync<FleetSnapshot>("api/fleet", c),
            fleet => fleet is not null && fleet.Devices.Count(f => f.Online == true && f.Reported is not null) == 2,
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken);
        using var start = new TestCli();

        var started = await start.RunAsync("rollout", "start", "--agent-version", "1.5.0", "--all", "--canary-devices", "cam-a", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.True(started == ExitCodes.Ok, start.Error);
        Assert.Matches("^ro-[0-9]+: agent 1.5.0, running", start.Output);
        var id = start.Output[..start.Output.IndexOf(':', StringComparison.Ordinal)];
        using var watch = new TestCli();
        Assert.Equal(ExitCodes.Ok, await watch.RunAsync("rollout", "status", id, "--watch", "--interval", "0.2", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        Assert.Contains("completed", watch.Output, StringComparison.Ordinal);
        Assert.All(_devices, d => Assert.Equal("1.5.0", d.AgentVersion));
        var view = (await cloud.Http.GetFromJsonAsync<RolloutView>($"api/rollouts/{id}", TestContext.Current.CancellationToken))!;
        Assert.Equal(("1.5.0", 2), (view.AgentVersion, view.Counts.Succeeded));
    }

    private string WriteBundle(string version)
    {
        var path = _directory.File($"agent-{version}.zip");
        File.WriteAllBytes(path, TestAgentBundles.Build(_directory, version, _packages.Key));
        return path;
    }
}
