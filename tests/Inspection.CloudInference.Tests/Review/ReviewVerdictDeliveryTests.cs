using System.Net;
using Inspection.CloudInference.Fleet;
using Inspection.CloudInference.Review;
using Inspection.CloudInference.Tests.Fleet;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.EdgeAgent.Storage;
using ReviewVerdictStore = Inspection.CloudInference.Review.ReviewVerdictStore;
using Inspection.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Inspection.CloudInference.Tests.Review;

/// <summary>
/// A completed review through the cloud's sink, the cloud's MQTT session and a real broker (the embedded one, mosquitto,
/// an external MQTTnet broker that goes away) to the edge agent's real control host, which records it in its LiteDB file.
/// </summary>
public sealed class ReviewVerdictDeliveryTests : IDisposable
{
    private const string DeviceId = "cam-9";
    private static readonly DateTimeOffset ReviewedAt = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task OnReviewed_EmbeddedBroker_TheDeviceRecordsTheFinalVerdictAndCountsIt()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var device = await StartDeviceAsync(cloud.BrokerPort);

        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "fix"), TestContext.Current.CancellationToken);

        var part = await WaitForFinalVerdictAsync(device, 42);
        Assert.Equal(("defect", "review", "uncertain", "fix", "alice"), (part.FinalVerdict, part.FinalVerdictSource, part.CloudVerdict, part.Review!.Action, part.Review.Reviewer));
        await Eventually.UntilAsync(() => StoreOf(cloud).CountPending() == 0, "the verdict marked sent");
        var fleet = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.Reported?.Stats.Reviews?.Defect == 1));
        Assert.Equal(part.Review.Id, fleet.Devices.Single(d => d.DeviceId == DeviceId).Reported!.Stats.Reviews!.LastId);
    }

    [Fact]
    public async Task OnReviewed_Mosquitto_TheDeviceRecordsTheFinalVerdict()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync(TestContext.Current.CancellationToken);
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Broker:Enabled=false", $"--Cloud:Mqtt:Port={mosquitto.Port}"]);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var device = await StartDeviceAsync(mosquitto.Port);

        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "reject"), TestContext.Current.CancellationToken);

        var part = await WaitForFinalVerdictAsync(device, 42);
        Assert.Equal(("pass", "uncertain"), (part.FinalVerdict, part.CloudVerdict));
        Assert.Equal(1, device.Stats.ReviewedPass);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("mosquitto")]
    public async Task OnReviewed_DeviceOfflineWhenSent_DeliveredWhenItComesBack(string broker)
    {
        await using var mosquitto = broker == "mosquitto" ? await MosquittoBroker.StartAsync(TestContext.Current.CancellationToken) : null;
        string[] args = mosquitto is null ? [] : ["--Cloud:Broker:Enabled=false", $"--Cloud:Mqtt:Port={mosquitto.Port}"];
        await using var cloud = await TestCloud.StartAsync(_directory.Path, args);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        var port = mosquitto?.Port ?? cloud.BrokerPort;
        var first = await StartDeviceAsync(port);
        await Eventually.UntilAsync(() => first.Worker.IsConnected, "the device's first session");
        await first.DisposeAsync();

        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "accept"), TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => StoreOf(cloud).CountPending() == 0, "the verdict acknowledged by the broker");
        Assert.Null(PartIn(Path.Combine(_directory.Path, "device", "edge.db")).FinalVerdict);

        await using var back = await StartDeviceAsync(port, seed: false);
        var part = await WaitForFinalVerdictAsync(back, 42);
        Assert.Equal("defect", part.FinalVerdict);
        Assert.Equal(1, back.Stats.ReviewedDefect);
    }

    [Fact]
    public async Task OnReviewed_BrokerDownWhenTheReviewCompletes_PendingThenDeliveredWhenItIsBack()
    {
        var port = LoopbackPort.Candidate();
        var gate = new CloudGate();
        var broker = await StartBrokerAsync(port, gate);
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Broker:Enabled=false", $"--Cloud:Mqtt:Port={port}", "--Cloud:Verdicts:RetrySeconds=1"]);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var device = await StartDeviceAsync(port);
        await Eventually.UntilAsync(() => device.Worker.IsConnected, "the device's session");

        // The broker goes away for both; while it is away, the review completes.
        await broker.StopAsync(new MqttServerStopOptions());
        broker.Dispose();
        await FleetApiTests.PollFleetAsync(cloud, f => !f.BrokerConnected);
        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "fix"), TestContext.Current.CancellationToken);
        var stored = Assert.Single(StoreOf(cloud).Pending(10));
        Assert.False(stored.Sent);

        // It comes back; this in-memory broker lost every session, so the device is let in (and subscribes) before the
        // cloud is: what a broker that keeps its sessions (mosquitto with persistence) gives by itself.
        gate.CloudAllowed = false;
        using var restarted = await StartBrokerAsync(port, gate);
        await Eventually.UntilAsync(() => device.Worker.IsConnected, "the device back on the broker");
        Assert.False(StoreOf(cloud).Find(stored.Id)!.Sent);
        gate.CloudAllowed = true;

        var part = await WaitForFinalVerdictAsync(device, 42);
        Assert.Equal("defect", part.FinalVerdict);
        var sent = StoreOf(cloud).Find(stored.Id)!;
        Assert.True(sent.Sent);
        Assert.True(sent.Attempts >= 1);
        await restarted.StopAsync(new MqttServerStopOptions());
    }

    [Fact]
    public async Task OnReviewed_SameReviewTwice_OneVerdictStoredAndRecordedOnce()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        await using var device = await StartDeviceAsync(cloud.BrokerPort);
        var sink = SinkOf(cloud);

        await sink.OnReviewedAsync(Reviewed(42, "accept"), TestContext.Current.CancellationToken);
        await sink.OnReviewedAsync(Reviewed(42, "accept"), TestContext.Current.CancellationToken);
        await WaitForFinalVerdictAsync(device, 42);
        await Eventually.UntilAsync(() => StoreOf(cloud).CountPending() == 0, "the verdict marked sent");

        Assert.Equal(1, cloud.App.Services.GetRequiredService<Storage.CloudDatabase>().Database.GetCollection(ReviewVerdictStore.CollectionName).Count());
        Assert.Equal(1, device.Stats.ReviewedDefect);
    }

    public static TheoryData<string, string> InvalidReviews() => new()
    {
        { "device", "cannot be sent to its device: deviceId 'cam/9' is not valid" },
        { "verdict", "cannot be sent to its device: action 'accept' gives verdict 'defect', not 'pass'" },
        { "key", "cannot be sent to its device: escalationKey 'cam-9/41' does not name device cam-9 and sequence 42" },
    };

    [Theory]
    [MemberData(nameof(InvalidReviews))]
    public async Task OnReviewed_ReviewThatCannotBeAVerdict_ClearErrorAndNothingStored(string broken, string expected)
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var review = Reviewed(42, "accept");
        review = broken switch
        {
            "device" => review with { DeviceId = "cam/9", EscalationKey = "cam/9/42" },
            "verdict" => review with { Verdict = "pass" },
            _ => review with { EscalationKey = "cam-9/41" },
        };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => SinkOf(cloud).OnReviewedAsync(review, TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message);
        Assert.Equal(0, StoreOf(cloud).CountPending());
    }

    private static ReviewedPart Reviewed(long part, string action) =>
        new(DeviceId, "line-1", $"{DeviceId}/{part}", part, IsPart: true, action == "reject" ? "pass" : "defect", action, "alice", ReviewedAt, ["scratch"]);

    private static ReviewVerdictSink SinkOf(TestCloud cloud) =>
        cloud.App.Services.GetServices<IReviewedPartSink>().OfType<ReviewVerdictSink>().Single();

    private static ReviewVerdictStore StoreOf(TestCloud cloud) => cloud.App.Services.GetRequiredService<ReviewVerdictStore>();

    private Task<LineDevice> StartDeviceAsync(int port, bool seed = true) =>
        LineDevice.StartAsync(
            DeviceId,
            Directory.CreateDirectory(Path.Combine(_directory.Path, "device")).FullName,
            Path.Combine(_directory.Path, DesiredStateSigner.PublicFolderName),
            port,
            seed ? database => database.PartCollection.Insert(new PartRecord { Id = 42, Source = "tracker", CloudVerdict = "uncertain" }) : null);

    private static async Task<PartRecord> WaitForFinalVerdictAsync(LineDevice device, long part)
    {
        PartRecord? found = null;
        await Eventually.UntilAsync(() => (found = device.Database.PartCollection.FindById(part)) is { FinalVerdict: not null }, $"the final verdict of part {part} on the device");
        return found!;
    }

    private static PartRecord PartIn(string path)
    {
        using var database = new EdgeDatabase(path);
        return database.PartCollection.FindById(42);
    }

    private static async Task<MqttServer> StartBrokerAsync(int port, CloudGate gate)
    {
        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .WithDefaultEndpointReuseAddress()
            .WithPersistentSessions()
            .Build();
        var server = factory.CreateMqttServer(options);
        server.ValidatingConnectionAsync += args =>
        {
            if (args.ClientId != DeviceId && !gate.CloudAllowed)
            {
                args.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
            }

            return Task.CompletedTask;
        };
        await server.StartAsync();
        return server;
    }

    private sealed class CloudGate
    {
        public volatile bool CloudAllowed = true;
    }
}
