using Grpc.Health.V1;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.EdgeAgent.Tests.Forwarding;

// The agent host reads INSPECTION_EDGE_CONFIG, which other tests in this collection set.
[Collection(EnvironmentCollection.Name)]
public sealed class MutualTlsForwardingTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly TestFleet _fleet;

    public MutualTlsForwardingTests()
    {
        _fleet = new TestFleet(_temp.Folder("fleet"));
    }

    [Fact]
    public async Task ForwardDueAsync_CloudTlsConfigured_FramesReachTheCloudOverMutualTls()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r), _fleet);
        using var host = BuildAgent(Environments.Production, HttpsAddress(cloud), _fleet.DeviceSettings("cam-1"));
        using var database = new EdgeDatabase(_temp.File("forwarder.db"));
        var outbox = new OutboxStore(database);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        outbox.Add(new OutboxEntry
        {
            Id = 1, LineId = "line-1", Jpeg = [1, 2, 3], Width = 3, Height = 1, ModelName = "edge", ModelVersion = "1.0.0", Reason = "uncertain",
            NextAttemptAt = time.GetUtcNow().UtcDateTime,
        });
        var forwarder = new OutboxForwarder(
            host.Services.GetRequiredService<Escalation.EscalationClient>(),
            host.Services.GetRequiredService<Health.HealthClient>(),
            outbox,
            new DeviceState(new ControlStateStore(database)),
            new DeviceEvents(TestOptions.Edge("cam-1"), time),
            new EdgeStats(),
            new ForwardingState(),
            host.Services.GetRequiredService<IOptions<CloudOptions>>(),
            TestOptions.Of(new DegradationOptions()),
            TestOptions.Edge("cam-1"),
            time,
            NullLogger<OutboxForwarder>.Instance);

        var result = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new ForwardingResult(ForwardingStatus.Sent, Sent: 1, Stored: 1), result);
        Assert.Equal(0, outbox.Count());
        Assert.Equal(["cam-1"], cloud.Behaviour.CertifiedDevices);
    }

    [Fact]
    public async Task PackageDownloader_CloudTlsConfigured_DownloadsPresentingTheDeviceCertificate()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r), _fleet);
        using var host = BuildAgent(Environments.Production, HttpsAddress(cloud), _fleet.DeviceSettings("cam-1"));
        var downloader = host.Services.GetRequiredService<PackageDownloader>();

        var bytes = await downloader.GetAsync(new Uri(HttpsAddress(cloud) + "/package"), 1024, TestContext.Current.CancellationToken);

        Assert.Equal(TestCloud.PackageBytes, bytes);
        Assert.Equal(["cam-1"], cloud.Behaviour.CertifiedDevices);
    }

    [Fact]
    public async Task ForwardDueAsync_NoCloudTls_TheMutualTlsCloudRefusesTheConnection()
    {
        await using var cloud = await TestCloud.StartAsync(r => TestCloud.Stored(r), _fleet);
        using var host = BuildAgent("Test", HttpsAddress(cloud), []);
        var client = host.Services.GetRequiredService<Escalation.EscalationClient>();

        // Without Cloud:Tls the channel trusts the system roots only, where the fleet CA is not, and presents no certificate.
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var call = client.Escalate(cancellationToken: TestContext.Current.CancellationToken);
            await call.RequestStream.WriteAsync(new EscalationRequest { Key = new FrameKey { DeviceId = "cam-1", Sequence = 1 } }, TestContext.Current.CancellationToken);
            await call.ResponseStream.MoveNext(TestContext.Current.CancellationToken);
        });

        Assert.True(error is Grpc.Core.RpcException or HttpRequestException or IOException, error.ToString());
        Assert.Empty(cloud.Behaviour.Received);
    }

    [Fact]
    public async Task StartAsync_ProductionWithCleartextToAnotherHost_RefusesNamingTheCertificateKeys()
    {
        using var host = BuildAgent(Environments.Production, "http://cloud.example.internal:5100", []);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));

        // Start validates every options class; the refusal is this one, whatever else the bare settings lack.
        var failures = (error is AggregateException aggregate ? aggregate.InnerExceptions : [error])
            .OfType<OptionsValidationException>().SelectMany(static e => e.Failures);
        var message = Assert.Single(failures, static f => f.Contains("Cloud:Address", StringComparison.Ordinal));
        Assert.Contains("In Production the link to the cloud must be mTLS", message, StringComparison.Ordinal);
        Assert.Contains("Cloud:Tls:CertificatePath", message, StringComparison.Ordinal);
        Assert.Contains("deploy/jetson/README.md", message, StringComparison.Ordinal);
    }

    [Fact]
    public void CloudOptions_ProductionWithHttpsButNoCertificate_Refused()
    {
        using var host = BuildAgent(Environments.Production, "https://cloud.example.internal:5101", []);

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<CloudOptions>>().Value);

        Assert.Contains("Cloud:Tls is not set", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5100", false)]
    [InlineData("http://localhost:5100", false)]
    [InlineData("https://cloud.example.internal:5101", true)]
    public void CloudOptions_ProductionWithLoopbackOrMutualTls_Accepted(string address, bool withCertificate)
    {
        using var host = BuildAgent(Environments.Production, address, withCertificate ? _fleet.DeviceSettings("cam-1") : []);

        var options = host.Services.GetRequiredService<IOptions<CloudOptions>>().Value;

        Assert.Equal(address, options.Address);
    }

    [Fact]
    public void CloudTls_CertificateOfAnotherDevice_FailsNamingBothIds()
    {
        using var host = BuildAgent("Test", "https://127.0.0.1:5101", _fleet.DeviceSettings("cam-9"));

        var error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<CloudTls>());

        Assert.Contains("device 'cam-9'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Edge:DeviceId is 'cam-1'", error.Message, StringComparison.Ordinal);
    }

    private static string HttpsAddress(TestCloud cloud) => cloud.Address.Replace("http://", "https://", StringComparison.Ordinal);

    private IHost BuildAgent(string environment, string cloudAddress, Dictionary<string, string?> tls)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = _temp.Path,
            EnvironmentName = environment,
        });
        var settings = new Dictionary<string, string?>(tls)
        {
            ["Edge:DeviceId"] = "cam-1",
            ["Capture:Source"] = "folder:" + _temp.Path,
            ["Detector:ModelPath"] = _temp.File("no-model.onnx"),
            ["Storage:Path"] = _temp.File("edge.db"),
            ["Cloud:Address"] = cloudAddress,
        };
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.AddEdgeAgent();
        return builder.Build();
    }

    public void Dispose()
    {
        _fleet.Dispose();
        _temp.Dispose();
    }
}
