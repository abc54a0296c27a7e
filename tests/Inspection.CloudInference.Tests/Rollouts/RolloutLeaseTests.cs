using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Rollouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.CloudInference.Tests.Rollouts;

/// <summary>
/// The rollout controller of a cloud on PostgreSQL runs its passes only while it holds the rollouts lease: with the
/// lease held elsewhere (as by another replica), a rollout started here does not move on; once it is free, it does.
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
    public async Task Rollout_LeaseHeldByAnotherReplica_WaitsThenCompletesOnceItIsFree()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await server.CreateDatabaseAsync(cancellationToken);
        var other = new PostgreSqlLease(connectionString, RunOnceLeases.Rollouts, AdvisoryLockKeys.Rollouts, NullLogger.Instance);
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
            foreach (var id in new[] { "cam-a", "cam-b" })
            {
                _devices.Add(await ScriptedDevice.StartAsync(_cloud.BrokerPort, id));
            }

            await Fleet.FleetApiTests.PollFleetAsync(_cloud, f => f.Devices.Count(d => d.Online == true && d.Reported is not null) == 2);

            // The API sends the canary its desired state at once; following it and starting wave 1 are the passes' work.
            var started = await StartRolloutAsync(new RolloutRequest(
                Release,
                new RolloutTarget(All: true),
                new RolloutStrategy(new CanarySpec(1), DeviceTimeoutSeconds: 60, AccuracyGate: new AccuracyGate(Escalations: 3, Minutes: 5))));
            var canary = _devices.Single(d => d.Id == started.Devices.Single(x => x.Wave == 0).DeviceId);
            await Eventually.UntilAsync(() => canary.Release == Release, "the canary commits the release");
            await Fleet.FleetApiTests.PollFleetAsync(_cloud, f => f.Devices.Any(d => d.DeviceId == canary.Id && d.Reported?.Model?.Release == Release));
            Assert.False(await _cloud.App.Services.GetRequiredKeyedService<IRunOnceLease>(RunOnceLeases.Rollouts).HoldAsync(cancellationToken));
            var waiting = await GetAsync(started.Id);
            Assert.Equal(RolloutStates.Running, waiting.State);

            // A pass would have seen the commit and started watching the canary's accuracy.
            Assert.Equal(RolloutDeviceStates.Updating, waiting.Devices.Single(d => d.Wave == 0).State);
            Assert.All(waiting.Devices.Where(d => d.Wave > 0), d => Assert.Equal(RolloutDeviceStates.Pending, d.State));

            await other.DisposeAsync();

            var done = await Eventually.WaitAsync(
                "the rollout completes once this replica holds the lease",
                _ => GetAsync(started.Id),
                r => r.State == RolloutStates.Completed,
                Eventually.DefaultTimeout,
                cancellationToken);
            Assert.All(done.Devices, d => Assert.Equal(RolloutDeviceStates.Succeeded, d.State));
        }
        finally
        {
            await other.DisposeAsync();
        }
    }

    private async Task<RolloutView> StartRolloutAsync(RolloutRequest request)
    {
        var response = await _cloud!.Http.PostAsJsonAsync("api/rollouts", request, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (await response.Content.ReadFromJsonAsync<RolloutView>(TestContext.Current.CancellationToken))!;
    }

    private async Task<RolloutView> GetAsync(string id) =>
        (await _cloud!.Http.GetFromJsonAsync<RolloutView>($"api/rollouts/{id}", TestContext.Current.CancellationToken))!;
}
