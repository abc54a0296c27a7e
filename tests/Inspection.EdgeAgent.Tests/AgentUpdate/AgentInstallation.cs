using System.Security.Cryptography;
using Inspection.EdgeAgent.AgentUpdate;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.EdgeAgent.Tests.AgentUpdate;

/// <summary>
/// A device's agent installation in a temp folder, as install.sh leaves it: <c>opt/releases/1.0.0</c> (the stand-in
/// agent, behaving well), the link <c>opt/edge-agent</c> to it, the trusted publisher key, the updater's state folder,
/// and the service running under a <see cref="TestSupervisor"/>.
/// </summary>
internal sealed class AgentInstallation : IAsyncDisposable
{
    public const string InstalledVersion = "1.0.0";

    private readonly TempDirectory _temp = new();

    public AgentInstallation()
    {
        Publisher = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        TrustFolder = _temp.Folder("trusted-keys");
        File.WriteAllText(Path.Combine(TrustFolder, "publisher.pem"), Publisher.ExportSubjectPublicKeyInfoPem());
        Releases = new AgentReleases(_temp.Folder("opt"), "edge-agent");
        FakeAgentRelease.Publish(Releases.PathOf(InstalledVersion), InstalledVersion, "good");
        Releases.Switch(InstalledVersion);
        Store = new AgentUpdateStore(_temp.Folder("state"));
        Work = _temp.Folder("work");
        Supervisor = new TestSupervisor(_temp.Folder("run"), Path.Combine(Releases.LinkPath, FakeAgentRelease.Entry));
    }

    public ECDsa Publisher { get; }

    public string TrustFolder { get; }

    public AgentReleases Releases { get; }

    public AgentUpdateStore Store { get; }

    public string Work { get; }

    public TestSupervisor Supervisor { get; }

    /// <summary>Short windows, so a test takes seconds: ready within 30 s, then 4 s of frames (one every 50 ms), none missing for 1 s.</summary>
    public static AgentUpdateOptions Options(int readyTimeoutSeconds = 30) => new()
    {
        ReadyTimeoutSeconds = readyTimeoutSeconds,
        HealthWindowSeconds = 4,
        MaxStallSeconds = 1,
        MinFrames = 10,
        PollMilliseconds = 100,
    };

    /// <summary>Starts the installed release and waits for it to inspect.</summary>
    public async Task StartAsync()
    {
        await Supervisor.StartAsync();
        await WaitInspectingAsync(InstalledVersion);
    }

    /// <summary>Waits until the running start is <paramref name="release"/>, ready and inspecting.</summary>
    public Task WaitInspectingAsync(string release) =>
        Eventually.WaitAsync(
            $"release {release} ready and inspecting",
            async token => (Run: Supervisor.Current, State: await Supervisor.ReadAsync(token)),
            s => s.Run.Release == release && s.State.Ready && InspectedFrames.Parse(s.State.Status) > 0,
            TimeSpan.FromSeconds(60),
            TestContext.Current.CancellationToken,
            Supervisor);

    /// <summary>What the agent does on a verified download: stage the bundle in its downloads folder and hand it over.</summary>
    public void Request(string version, string bundle)
    {
        Directory.CreateDirectory(Store.DownloadsPath);
        var staged = Path.Combine(Store.DownloadsPath, Path.GetFileName(bundle));
        File.Copy(bundle, staged);
        Store.Request(new AgentUpdateRecord(version, AgentUpdatePhase.Requested, DateTimeOffset.UtcNow, Bundle: staged));
    }

    public AgentUpdater Updater(AgentUpdateOptions? options = null, string runningVersion = InstalledVersion) =>
        new(Releases, Store, Supervisor, TrustFolder, runningVersion, options ?? Options(), TimeProvider.System, NullLogger.Instance);

    public async ValueTask DisposeAsync()
    {
        await Supervisor.DisposeAsync();
        Publisher.Dispose();
        _temp.Dispose();
    }
}
