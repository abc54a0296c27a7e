using Grpc.Health.V1;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.V1;

namespace Inspection.CloudInference.Tests.Escalations;

/// <summary>The standard gRPC health service the edge devices probe, asked with a real gRPC health client over Kestrel.</summary>
public sealed class GrpcHealthTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("inspection.v1.Escalation")]
    public async Task Check_ModelLoadedAndStoreWritable_AnswersServing(string service)
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var health = new Health.HealthClient(cloud.Channel);

        var reply = await health.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Check_NoBroker_StillServingSinceEscalationsDoNotNeedIt()
    {
        using var refused = LoopbackPort.Refused();
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Broker:Enabled=false", $"--Cloud:Mqtt:Port={refused.Port}"]);
        var health = new Health.HealthClient(cloud.Channel);

        var reply = await health.CheckAsync(new HealthCheckRequest { Service = Escalation.Descriptor.FullName }, cancellationToken: TestContext.Current.CancellationToken);
        using var healthz = await cloud.Http.GetAsync("/healthz", TestContext.Current.CancellationToken);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, healthz.StatusCode);
    }

    [Fact]
    public async Task Check_UnknownService_IsNotFound()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var health = new Health.HealthClient(cloud.Channel);

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await health.CheckAsync(new HealthCheckRequest { Service = "inspection.v1.Nothing" }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(Grpc.Core.StatusCode.NotFound, error.StatusCode);
    }
}
