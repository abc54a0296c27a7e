using System.Net;
using System.Net.Http.Json;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Rollouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.CloudInference.Tests.Rollouts;

/// <summary>
/// The rollout controller of a cloud on PostgreSQL runs only while it holds the rollouts lease: with the lease held
/// elsewhere (as by another replica), a rollout is refused here, naming the lease; once it is free, it runs.
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
    public async Task Rollout_LeaseHeldByAnotherReplica_RefusedNamingTheLeaseThenRunsOnceItIsFree()
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
            foreach (var device in new[] { "cam-a", "cam-b" })
            {
                _devices.Add(await ScriptedDevice.StartAsync(_cloud.BrokerPort, device));
            }

            await Fleet.FleetApiTests.PollFleetAsync(_cloud, f => f.Devices.Count(d => d.Online == true && d.Reported is not null) == 2);
            var request = new RolloutRequest(
                Release,
                new RolloutTarget(All: true),
                new RolloutStrategy(new CanarySpec(1), DeviceTimeoutSeconds: 60, AccuracyGate: new AccuracyGate(Escalations: 3, Minutes: 5)));

            var refused = await PostAsync(request);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("'rollouts' lease", await refused.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
            Assert.Empty(await _cloud.Http.GetFromJsonAsync<List<RolloutSummary>>("api/rollouts", cancellationToken) ?? []);
            Assert.All(_devices, d => Assert.DoesNotContain(d.Desired, s => s.Model is not null));

            await other.DisposeAsync();

            var started = await Eventually.WaitAsync(
                "the rollout is accepted once this replica can hold the lease",
                _ => PostAsync(request),
                response => response.StatusCode == HttpStatusCode.Created,
                Eventually.DefaultTimeout,
                cancellationToken);
            var id = (await started.Content.ReadFromJsonAsync<RolloutView>(cancellationToken))!.Id;
            var done = await Eventually.WaitAsync(
                "the rollout completes",
                _ => GetAsync(id),
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

    private Task<HttpResponseMessage> PostAsync(RolloutRequest request) =>
        _cloud!.Http.PostAsJsonAsync("api/rollouts", request, TestContext.Current.CancellationToken);

    private async Task<RolloutView> GetAsync(string id) =>
        (await _cloud!.Http.GetFromJsonAsync<RolloutView>($"api/rollouts/{id}", TestContext.Current.CancellationToken))!;
}
