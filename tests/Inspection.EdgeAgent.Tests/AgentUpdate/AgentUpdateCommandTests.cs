using System.Security.Cryptography;
using Inspection.EdgeAgent.AgentUpdate;

namespace Inspection.EdgeAgent.Tests.AgentUpdate;

/// <summary>
/// <c>Inspection.EdgeAgent apply-agent-update</c> as the updater unit runs it, with the agent's configuration: nothing
/// pending, a refusal carried to its record (neither touches systemd), and a setting it cannot use.
/// </summary>
public sealed class AgentUpdateCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    [Fact]
    public async Task Run_NothingRequested_SaysSoAndExitsZero()
    {
        var exit = await RunAsync($"--AgentUpdate:StatePath={_temp.Folder("state")}", $"--Ota:TrustedKeysPath={_temp.Folder("keys")}");

        Assert.True(exit == 0, _error.ToString());
        Assert.Equal("no agent update requested", _output.ToString().Trim());
    }

    [Fact]
    public async Task Run_RequestSignedByAnUntrustedKey_RefusedIntoTheStateFileAndExitsOne()
    {
        var releases = new AgentReleases(_temp.Folder("opt"), "edge-agent");
        FakeAgentRelease.Publish(releases.PathOf("1.0.0"), "1.0.0", "good");
        releases.Switch("1.0.0");
        var store = new AgentUpdateStore(_temp.Folder("state"));
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Directory.CreateDirectory(store.DownloadsPath);
        var bundle = FakeAgentRelease.Bundle(store.DownloadsPath, "9.0.0", "good", stranger);
        store.Request(new AgentUpdateRecord("9.0.0", AgentUpdatePhase.Requested, DateTimeOffset.UtcNow, Bundle: bundle));
        var trust = _temp.Folder("keys");
        using (var publisher = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(Path.Combine(trust, "publisher.pem"), publisher.ExportSubjectPublicKeyInfoPem());
        }

        var exit = await RunAsync($"--AgentUpdate:StatePath={store.Folder}", $"--AgentUpdate:InstallPath={releases.InstallPath}", $"--Ota:TrustedKeysPath={trust}");

        Assert.True(exit == 1, _output.ToString() + _error.ToString());
        Assert.StartsWith("agent release 9.0.0: refused (the bundle is refused: it is signed by key ", _output.ToString(), StringComparison.Ordinal);
        Assert.Equal(AgentUpdatePhase.Refused, store.Load()?.Phase);
        Assert.Equal("1.0.0", releases.Current());
    }

    [Fact]
    public async Task Run_HealthWindowOfZero_ConfigurationErrorNamingTheKey()
    {
        var exit = await RunAsync($"--AgentUpdate:StatePath={_temp.Folder("state")}", "--AgentUpdate:HealthWindowSeconds=0");

        Assert.Equal(2, exit);
        Assert.Contains("AgentUpdate:HealthWindowSeconds must be between 1 and 86400.", _error.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
        _temp.Dispose();
    }

    private Task<int> RunAsync(params string[] settings) =>
        AgentUpdateCommand.RunAsync([AgentUpdateCommand.Verb, .. settings], _output, _error, TestContext.Current.CancellationToken);
}
