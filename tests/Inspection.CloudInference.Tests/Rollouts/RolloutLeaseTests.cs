using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Rollouts;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Rollouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.CloudInference.Tests.Rollouts;

/// <summary>
/// The rollout controller of a cloud on PostgreSQL drives rollouts only while it holds the rollouts lease, but its API
/// works without it: rollouts are in the shared table, so one started here while another replica holds the lease is
/// seen there, one changed there is seen here, and once this replica holds the lease it drives it to the end.
/// </summary>
public sealed class RolloutLeaseTests(PostgreSqlServer server) : IClassFixture<PostgreSqlServer>, IAsyncDisposable
{
    private const long Release = 3;
    private readonly TempDirectory _directory = new();
    private readonly TestModelPackages _packages = new();
    private readonly List<ScriptedDevice> _devices = [];
    private TestCloud? _cloud;

    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }

        if (_cloud is not null)
        {
            await _cloud.DisposeAsync();
        }

        _packages.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Rollout_StartedWhileAnotherReplicaHoldsTheLease_SharedBothWaysThenRunsOnceTheLeaseIsHere()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        var other = new PostgreSqlLease(connectionString, RunOnceLeases.Rollouts, AdvisoryLockKeys.Rollouts, NullLogger.Instance);
        using var otherDatabase = new PostgreSqlDatabase(connectionString);
        var otherStore = new RolloutStore(new PostgreSqlRolloutTable(otherDatabase));
        try
        {
            Assert.True(await other.HoldAsync(cancellationToken));
            _cloud = await _packages.StartCloudAsync(
                _directory,
                "--Cloud:Rollouts:TickMilliseconds=100",
                "--Cloud:StorageProvider=postgresql",
                $"--Cloud:PostgreSqlConnectionString={connectionString}");
            Assert.Equal(HttpStatusCode.Created, (await TestModelPackages.UploadAsync(_cloud, _packages.Build(release: Release))).StatusCode);
            await Fleet.FleetApiTests.WaitForBrokerAsync(_cloud);
            foreach (var device in new[] { "cam-a", "cam-b" })
            {
                _devices.Add(await ScriptedDevice.StartAsync(_cloud.BrokerPort, device));
            }

            await Fleet.FleetApiTests.PollFleetAsync(_cloud, f => f.Devices.Count(d => d.Online == true && d.Reported is not null) == 2);
            var request = new RolloutRequest(
                Release,
                new RolloutTarget(All: true),
                new RolloutStrategy(new CanarySpec(1), DeviceTimeoutSeconds: 60, AccuracyGate: new AccuracyGate(Escalations: 3, Minutes: 5)));

            var started = await PostAsync(request);
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            var id = (await started.Content.ReadFromJsonAsync<RolloutView>(cancellationToken))!.Id;

            // The replica holding the lease reads it from the shared table, and pauses it there.
            var seen = Assert.Single(otherStore.Active());
            Assert.Equal(id, seen.Id);
            Assert.Equal(RolloutStates.Running, seen.State);
            seen.State = RolloutStates.Paused;
            seen.Reason = "paused on the other replica";
            otherStore.Save(seen);

            // This replica sees the pause: resuming is allowed only because the rollout it reads is paused.
            Assert.Equal(RolloutStates.Paused, (await GetAsync(id)).State);
            var resumed = await _cloud.Http.PostAsJsonAsync($"api/rollouts/{id}/resume", new RolloutAction("go on"), cancellationToken);
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
            Assert.Equal(RolloutStates.Running, otherStore.Find(id)!.State);

            await other.DisposeAsync();

            var done = await Eventually.WaitAsync(
                "the rollout completes once this replica holds the lease",
                _ => GetAsync(id),
                r => r.State == RolloutStates.Completed,
                Eventually.DefaultTimeout,
                cancellationToken);
            Assert.All(done.Devices, d => Assert.Equal(RolloutDeviceStates.Succeeded, d.State));
            Assert.All(_devices, d => Assert.Equal(Release, d.Release));
        }
        finally
        {
            await other.DisposeAsync();
        }
    }

    private Task<HttpResponseMessage> PostAsync(RolloutRequest request) =>
        _cloud!.Http.PostAsJsonAsync("api/rollouts", request, TestContext.Current.CancellationToken);

    private async Task<RolloutView> GetAsync(string id) =>
        (await _cloud!.Http.GetFromJsonAsync<RolloutView>($"api/rollouts/{id}", TestContext.Current.CancellationToken))!;
}
