using System.Net;
using System.Text.Json;
using Grpc.Health.V1;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.V1;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>
/// The cloud's health when its LiteDB store really cannot take a write: the store on a small filesystem filled to
/// the last byte after start, then freed and the cloud restarted.
/// </summary>
public sealed class StoreHealthTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Check_StoreDiskFull_NotServingAnd503WithTheProblemUntilRestartedOnAFreedDisk()
    {
        using var disk = SmallDisk.Mount(_directory.Path, 4);
        var store = Path.Combine(disk.Path, "cloud.db");
        await using var cloud = await TestCloud.StartAsync(_directory.Path, [$"--Cloud:StoragePath={store}"]);
        var health = new Health.HealthClient(cloud.Channel);
        var request = new HealthCheckRequest { Service = Escalation.Descriptor.FullName };
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(request, cancellationToken: TestContext.Current.CancellationToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await HealthzAsync(cloud)).Status);

        disk.Fill();

        await Eventually.WaitAsync(
            "the escalation service NOT_SERVING with its store's disk full",
            async ct => (await health.CheckAsync(request, cancellationToken: ct)).Status,
            s => s == HealthCheckResponse.Types.ServingStatus.NotServing,
            TimeSpan.FromSeconds(30),
            TestContext.Current.CancellationToken);
        var (status, problems) = await HealthzAsync(cloud);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains(problems, p => p.Contains($"the store at {store} does not take writes", StringComparison.Ordinal) && p.Contains("No space left", StringComparison.Ordinal));

        // LiteDB does not resume writing after a failed write, even once the disk has room: the check keeps saying so
        // (truthfully), and a restart on the freed disk serves again with the same file.
        disk.Free();
        await cloud.DisposeAsync();
        await using var restarted = await TestCloud.StartAsync(_directory.Path, [$"--Cloud:StoragePath={store}"]);
        var again = new Health.HealthClient(restarted.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await again.CheckAsync(request, cancellationToken: TestContext.Current.CancellationToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await HealthzAsync(restarted)).Status);
    }

    private static async Task<(HttpStatusCode Status, List<string> Problems)> HealthzAsync(TestCloud cloud)
    {
        using var response = await cloud.Http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (response.StatusCode, [.. body.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!)]);
    }
}
