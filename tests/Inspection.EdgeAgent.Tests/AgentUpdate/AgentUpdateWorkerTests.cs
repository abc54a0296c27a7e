using System.Security.Cryptography;
using Inspection.Contracts.Mqtt;
using Inspection.Detection.Packaging;
using Inspection.EdgeAgent.AgentUpdate;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.EdgeAgent.Tests.AgentUpdate;

/// <summary>
/// The agent's part: a desired state naming a newer agent release makes it download the bundle over HTTP, check its
/// signature and version, and hand it to the updater; anything else is refused with the reason; the outcome the updater
/// left on disk is reported once, by whichever agent starts next.
/// </summary>
public sealed class AgentUpdateWorkerTests : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ECDsa _publisher = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly EdgeDatabase _database;
    private readonly DeviceState _state;
    private readonly DeviceEvents _events;
    private readonly AgentUpdateStore _store;
    private readonly string _trust;

    public AgentUpdateWorkerTests()
    {
        _database = new EdgeDatabase(_temp.File("edge.db"));
        _state = new DeviceState(new ControlStateStore(_database));
        _events = new DeviceEvents(TestOptions.Edge(), TimeProvider.System);
        _store = new AgentUpdateStore(_temp.Folder("agent-update"));
        _trust = _temp.Folder("trusted-keys");
        File.WriteAllText(Path.Combine(_trust, "publisher.pem"), _publisher.ExportSubjectPublicKeyInfoPem());
    }

    [Fact]
    public async Task DesiredAgent_NewerSignedRelease_DownloadedVerifiedAndHandedToTheUpdater()
    {
        await using var server = await PackageServer.StartAsync(_temp.Folder("served"));
        var target = Serve(server, "2.0.0", _publisher);
        using var worker = Worker();
        await worker.StartAsync(TestContext.Current.CancellationToken);

        _state.Apply(new DesiredState(1, 1, DegradationModes.Normal, Agent: target));

        var record = await Eventually.WaitAsync(
            "a request for the updater", _ => Task.FromResult(_store.Load()), r => r is not null, Eventually.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Equal(AgentUpdatePhase.Requested, record!.Phase);
        Assert.Equal("2.0.0", record.Version);
        Assert.Equal(target.Sha256, ModelPackage.Sha256OfFile(record.Bundle!));
        Assert.Equal("2.0.0\n", File.ReadAllText(_store.RequestPath));
        Assert.Contains(Events(), e => e.Type == "agent-update-requested" && e.Message.Contains("release 2.0.0 downloaded and its signature verified", StringComparison.Ordinal));
        await worker.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task DesiredAgent_SignedByAnUntrustedKey_RefusedWithTheReasonAndNothingRequested()
    {
        await using var server = await PackageServer.StartAsync(_temp.Folder("served"));
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var target = Serve(server, "2.0.0", stranger);
        using var worker = Worker();
        await worker.StartAsync(TestContext.Current.CancellationToken);

        _state.Apply(new DesiredState(1, 1, DegradationModes.Normal, Agent: target));

        var record = await Eventually.WaitAsync(
            "the refusal", _ => Task.FromResult(_store.Load()), r => r is { Reported: true }, Eventually.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Equal(AgentUpdatePhase.Refused, record!.Phase);
        Assert.Contains("which this device does not trust", record.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(_store.RequestPath));
        Assert.Empty(Directory.GetFiles(_store.DownloadsPath));
        Assert.Contains(Events(), e => e.Type == "agent-update-refused" && e.Message.Contains("does not trust", StringComparison.Ordinal));
        await worker.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task DesiredAgent_OlderThanTheRunningAgent_RefusedWithoutADownload()
    {
        await using var server = await PackageServer.StartAsync(_temp.Folder("served"));
        var target = Serve(server, "0.9.0", _publisher);
        using var worker = Worker();
        await worker.StartAsync(TestContext.Current.CancellationToken);

        _state.Apply(new DesiredState(1, 1, DegradationModes.Normal, Agent: target));

        var record = await Eventually.WaitAsync(
            "the refusal", _ => Task.FromResult(_store.Load()), r => r is { Reported: true }, Eventually.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Equal(AgentUpdatePhase.Refused, record!.Phase);
        Assert.Contains("release 0.9.0 is not newer than the running agent 1.0.0", record.Reason, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
        await worker.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Start_OutcomeLeftByTheUpdater_ReportedOnceAsAnEvent()
    {
        _store.Save(new AgentUpdateRecord("2.0.0", AgentUpdatePhase.RolledBack, DateTimeOffset.UtcNow, Previous: "1.0.0", Reason: "release 2.0.0 exited before it was ready (exit-code, status 134)"));

        using (var worker = Worker())
        {
            await worker.StartAsync(TestContext.Current.CancellationToken);
            await Eventually.UntilAsync(() => _store.Load() is { Reported: true }, "the outcome marked reported");
            await worker.StopAsync(TestContext.Current.CancellationToken);
        }

        // The agent that starts after it (a restart, a crash) does not report it again.
        using (var again = Worker())
        {
            await again.StartAsync(TestContext.Current.CancellationToken);
            await again.StopAsync(TestContext.Current.CancellationToken);
        }

        var reported = Assert.Single(Events());
        Assert.Equal("agent-update-rolled-back", reported.Type);
        Assert.Equal("agent release 2.0.0 rolled back to 1.0.0: release 2.0.0 exited before it was ready (exit-code, status 134)", reported.Message);
    }

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        _database.Dispose();
        _publisher.Dispose();
        _temp.Dispose();
    }

    private AgentTarget Serve(PackageServer server, string version, ECDsa key)
    {
        var bundle = FakeAgentRelease.Bundle(_temp.Folder("work"), version, "good", key);
        var name = Path.GetFileName(bundle);
        File.Copy(bundle, Path.Combine(server.Folder, name));
        return new AgentTarget(version, new Uri(server.BaseAddress, name).ToString(), ModelPackage.Sha256OfFile(bundle), new FileInfo(bundle).Length);
    }

    private AgentUpdateWorker Worker()
    {
        var ota = TestOptions.Of(new OtaOptions { TrustedKeysPath = _trust, MinFreeDiskMegabytes = 0, MaxRetryDelaySeconds = 1 });
        var downloader = new PackageDownloader(new HttpClient(), ota, TimeProvider.System, NullLogger<PackageDownloader>.Instance);
        return new AgentUpdateWorker(
            _state, _store, downloader, _events, ota, new HostingEnvironment { ContentRootPath = _temp.Path }, "1.0.0", TimeProvider.System, NullLogger<AgentUpdateWorker>.Instance);
    }

    private List<DeviceEvent> Events()
    {
        var events = new List<DeviceEvent>();
        while (_events.TryPeek(out var e))
        {
            events.Add(e);
            _events.Dequeue();
        }

        return events;
    }
}
