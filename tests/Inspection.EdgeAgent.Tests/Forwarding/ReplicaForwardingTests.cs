using System.ComponentModel.DataAnnotations;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inspection.Contracts.V1;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Degradation;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Forwarding;
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

/// <summary>
/// The forwarder over several cloud replicas (<c>Cloud:Addresses</c>): two Kestrel clouds on loopback, the agent's own
/// balanced channel (<see cref="CloudChannel"/>), and a real LiteDB outbox.
/// </summary>
// The agent host reads INSPECTION_EDGE_CONFIG, which other tests in this collection set.
[Collection(EnvironmentCollection.Name)]
public sealed class ReplicaForwardingTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly EdgeDatabase _database;
    private readonly OutboxStore _outbox;

    // Starts at the real time: gRPC deadlines are absolute wall-clock times.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<GrpcChannel> _channels = [];

    public ReplicaForwardingTests()
    {
        _database = new EdgeDatabase(_temp.File("edge.db"));
        _outbox = new OutboxStore(_database);
    }

    [Fact]
    public async Task ForwardDueAsync_TwoReplicasUp_CallsSpreadOverBoth()
    {
        await using var first = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        await using var second = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        Seed(20);
        var forwarder = CreateForwarder([first.Address, second.Address], batchSize: 1);

        await ForwardAllAsync(forwarder, expectedPasses: 20);

        Assert.Equal(0, _outbox.Count());
        Assert.Equal(20, first.Behaviour.Received.Count + second.Behaviour.Received.Count);
        Assert.True(first.Behaviour.Calls >= 5 && second.Behaviour.Calls >= 5, $"calls: {first.Behaviour.Calls} and {second.Behaviour.Calls}");
    }

    [Fact]
    public async Task ForwardDueAsync_OneReplicaUnavailable_EveryPassStoresOnTheOtherWithoutBackoff()
    {
        await using var failing = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        await using var serving = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        failing.Behaviour.FailWith = StatusCode.Unavailable;
        Seed(12);
        var forwarder = CreateForwarder([failing.Address, serving.Address], batchSize: 2);

        // Every pass stores its whole batch: a call refused by one replica goes to the other within the pass, and
        // nothing is postponed (the fake clock never moves, so a backed-off frame would never be due again).
        await ForwardAllAsync(forwarder, expectedPasses: 6);

        Assert.Equal(0, _outbox.Count());
        Assert.Equal(12, serving.Behaviour.Received.Count);
        Assert.True(failing.Behaviour.Calls > 0, "the failing replica was never tried: the test proves nothing");
    }

    [Fact]
    public async Task ForwardDueAsync_OneReplicaStopped_FramesGoToTheOther()
    {
        await using var stopping = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        await using var staying = await TestCloud.StartAsync(r => TestCloud.Stored(r));
        Seed(4);
        var forwarder = CreateForwarder([stopping.Address, staying.Address], batchSize: 1);
        await ForwardAllAsync(forwarder, expectedPasses: 4);
        var before = staying.Behaviour.Received.Count;

        await stopping.StopAsync();
        Seed(8, from: 5);
        await ForwardAllAsync(forwarder, expectedPasses: 8);

        Assert.Equal(0, _outbox.Count());
        Assert.Equal(8, staying.Behaviour.Received.Count - before);
    }

    [Fact]
    public async Task ForwardDueAsync_TwoMutualTlsReplicas_BothServeTheCertifiedDevice()
    {
        using var fleet = new TestFleet(_temp.Folder("fleet"));
        await using var first = await TestCloud.StartAsync(r => TestCloud.Stored(r), fleet);
        await using var second = await TestCloud.StartAsync(r => TestCloud.Stored(r), fleet);
        var settings = new Dictionary<string, string?>(fleet.DeviceSettings("cam-1"))
        {
            ["Cloud:Addresses:0"] = Https(first),
            ["Cloud:Addresses:1"] = Https(second),
        };
        using var host = BuildAgent(Environments.Production, settings);
        Seed(10);
        var forwarder = new OutboxForwarder(
            host.Services.GetRequiredService<Escalation.EscalationClient>(),
            host.Services.GetRequiredService<Health.HealthClient>(),
            _outbox,
            new DeviceState(new ControlStateStore(_database)),
            new DeviceEvents(TestOptions.Edge("cam-1"), _time),
            new EdgeStats(),
            new ForwardingState(),
            TestOptions.Of(new CloudOptions { Addresses = [Https(first), Https(second)], BatchSize = 1 }),
            TestOptions.Of(new DegradationOptions { CloudProbeDeadlineMilliseconds = 10_000 }),
            TestOptions.Edge("cam-1"),
            _time,
            NullLogger<OutboxForwarder>.Instance);

        await ForwardAllAsync(forwarder, expectedPasses: 10);

        Assert.Equal(0, _outbox.Count());
        Assert.Contains("cam-1", first.Behaviour.CertifiedDevices);
        Assert.Contains("cam-1", second.Behaviour.CertifiedDevices);
        Assert.DoesNotContain(first.Behaviour.CertifiedDevices.Concat(second.Behaviour.CertifiedDevices), static d => d != "cam-1");
    }

    [Fact]
    public void Validate_AddressesMixCleartextAndTls_RefusedSayingSo()
    {
        var options = new CloudOptions { Addresses = ["http://cloud-a:5100", "https://cloud-b:5101"] };

        var errors = options.Validate(new ValidationContext(options)).Select(static e => e.ErrorMessage).ToList();

        Assert.Contains(errors, static e => e!.Contains("mixes http:// and https://", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SameReplicaTwice_RefusedNamingTheKey()
    {
        var options = new CloudOptions { Addresses = ["http://cloud-a:5100", "http://CLOUD-A:5100"] };

        var error = Assert.Single(options.Validate(new ValidationContext(options)));

        Assert.Contains("Cloud:Addresses:1 'http://CLOUD-A:5100' is listed twice", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void CloudOptions_ProductionWithOneCleartextReplica_RefusedNamingCloudAddresses()
    {
        using var host = BuildAgent(Environments.Production, new Dictionary<string, string?>
        {
            ["Cloud:Addresses:0"] = "http://127.0.0.1:5100",
            ["Cloud:Addresses:1"] = "http://cloud-b.example.internal:5100",
        });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<CloudOptions>>().Value);

        var failure = Assert.Single(error.Failures);
        Assert.Contains("but Cloud:Addresses is 'http://cloud-b.example.internal:5100'", failure, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        _database.Dispose();
        _temp.Dispose();
    }

    private static string Https(TestCloud cloud) => cloud.Address.Replace("http://", "https://", StringComparison.Ordinal);

    // Each pass must store what it took; a pass that leaves frames behind fails at once with what it returned.
    private async Task ForwardAllAsync(OutboxForwarder forwarder, int expectedPasses)
    {
        for (var pass = 0; pass < expectedPasses; pass++)
        {
            var result = await forwarder.ForwardDueAsync(TestContext.Current.CancellationToken);
            Assert.True(result.Status == ForwardingStatus.Sent && result.Unanswered == 0 && result.Stored == result.Sent, $"pass {pass + 1}: {result}");
        }
    }

    private void Seed(int count, int from = 1)
    {
        for (long sequence = from; sequence < from + count; sequence++)
        {
            _outbox.Add(new OutboxEntry
            {
                Id = sequence,
                LineId = "line-1",
                CapturedAt = _time.GetUtcNow().UtcDateTime,
                Jpeg = [(byte)sequence, 1, 2],
                Width = 3,
                Height = 1,
                ModelName = "edge",
                ModelVersion = "1.0.0",
                Reason = "uncertain",
                NextAttemptAt = _time.GetUtcNow().UtcDateTime,
            });
        }
    }

    private OutboxForwarder CreateForwarder(List<string> addresses, int batchSize)
    {
        var cloud = new CloudOptions { Addresses = addresses, BatchSize = batchSize };
        var degradation = new DegradationOptions { CloudProbeDeadlineMilliseconds = 10_000 };
        var channel = CloudChannel.Create(cloud, degradation, tls: null);
        _channels.Add(channel);
        return new OutboxForwarder(
            new Escalation.EscalationClient(channel),
            new Health.HealthClient(channel),
            _outbox,
            new DeviceState(new ControlStateStore(_database)),
            new DeviceEvents(TestOptions.Edge(), _time),
            new EdgeStats(),
            new ForwardingState(),
            TestOptions.Of(cloud),
            TestOptions.Of(degradation),
            TestOptions.Edge(),
            _time,
            NullLogger<OutboxForwarder>.Instance);
    }

    private IHost BuildAgent(string environment, Dictionary<string, string?> cloud)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = _temp.Path,
            EnvironmentName = environment,
        });
        var settings = new Dictionary<string, string?>(cloud)
        {
            ["Edge:DeviceId"] = "cam-1",
            ["Capture:Source"] = "folder:" + _temp.Path,
            ["Detector:ModelPath"] = _temp.File("no-model.onnx"),
            ["Storage:Path"] = _temp.File("agent.db"),
        };
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.AddEdgeAgent();
        return builder.Build();
    }
}
