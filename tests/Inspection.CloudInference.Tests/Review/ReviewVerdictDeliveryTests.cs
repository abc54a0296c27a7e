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
    internal const string DeviceId = "cam-9";
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
        await Eventually.UntilAsync(() => StoreOf(cloud).CountUnconfirmed() == 0, "the verdict confirmed by the device");
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

        Assert.Equal(1, cloud.App.Services.GetRequiredService<Inspection.CloudInference.Storage.CloudDatabase>().Database.GetCollection(ReviewVerdictStore.CollectionName).Count());
        Assert.Equal(1, device.Stats.ReviewedDefect);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("mosquitto")]
    public async Task OnReviewed_BeforeTheDeviceEverSubscribed_ResentUntilTheDeviceConfirmsIt(string broker)
    {
        await using var mosquitto = broker == "mosquitto" ? await MosquittoBroker.StartAsync(TestContext.Current.CancellationToken) : null;
        string[] args = mosquitto is null ? [] : ["--Cloud:Broker:Enabled=false", $"--Cloud:Mqtt:Port={mosquitto.Port}"];
        await using var cloud = await TestCloud.StartAsync(_directory.Path, args);
        await FleetApiTests.WaitForBrokerAsync(cloud);

        // The broker acknowledges it and, with no session of the device to queue it in, drops it.
        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "fix"), TestContext.Current.CancellationToken);
        var id = OnlyVerdict(cloud).Id;
        await Eventually.UntilAsync(() => StoreOf(cloud).Find(id)!.Status == "sent", "the broker's acknowledgement");

        await using var device = await StartDeviceAsync(mosquitto?.Port ?? cloud.BrokerPort);

        var part = await WaitForFinalVerdictAsync(device, 42);
        Assert.Equal(id, part.Review!.Id);
        await Eventually.UntilAsync(() => StoreOf(cloud).Find(id)!.Confirmed, "the verdict confirmed by the device's reported state");
        Assert.True(StoreOf(cloud).Find(id)!.Attempts >= 2);
        Assert.Equal(1, device.Stats.ReviewedDefect);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("mosquitto")]
    public async Task OnReviewed_BrokerLosesItsSessionsWhileTheDeviceIsAway_DeliveredWhenTheDeviceIsBack(string broker)
    {
        var mosquitto = broker == "mosquitto" ? await MosquittoBroker.StartAsync(TestContext.Current.CancellationToken) : null;
        string[] args = mosquitto is null ? [] : ["--Cloud:Broker:Enabled=false", $"--Cloud:Mqtt:Port={mosquitto.Port}"];
        var cloud = await TestCloud.StartAsync(_directory.Path, args);
        try
        {
            await FleetApiTests.WaitForBrokerAsync(cloud);
            var port = mosquitto?.Port ?? cloud.BrokerPort;
            await using (var first = await StartDeviceAsync(port))
            {
                await Eventually.UntilAsync(() => first.Worker.IsConnected, "the device's first session");
            }

            // Queued in the device's session on the broker, which then loses every session.
            await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "accept"), TestContext.Current.CancellationToken);
            var id = OnlyVerdict(cloud).Id;
            await Eventually.UntilAsync(() => StoreOf(cloud).Find(id)!.Sent, "the broker's acknowledgement");
            if (mosquitto is null)
            {
                // The embedded broker lives in the cloud's process and keeps sessions in memory: the cloud restarts on its port.
                await cloud.DisposeAsync();
                cloud = await TestCloud.StartAsync(_directory.Path, [$"--Cloud:Broker:Port={port}", $"--Cloud:Mqtt:Port={port}"]);
            }
            else
            {
                await mosquitto.DisposeAsync();
                mosquitto = await MosquittoBroker.RestartOnAsync(port, TestContext.Current.CancellationToken);
            }

            await FleetApiTests.WaitForBrokerAsync(cloud);
            await using var back = await StartDeviceAsync(port, seed: false);

            var part = await WaitForFinalVerdictAsync(back, 42);
            Assert.Equal(id, part.Review!.Id);
            await Eventually.UntilAsync(() => StoreOf(cloud).Find(id)!.Confirmed, "the verdict confirmed by the device's reported state");
        }
        finally
        {
            await cloud.DisposeAsync();
            if (mosquitto is not null)
            {
                await mosquitto.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task PublishPending_ConfirmedVerdict_NeverPublishedAgain()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);
        var first = await StartDeviceAsync(cloud.BrokerPort);
        await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "fix"), TestContext.Current.CancellationToken);
        var id = OnlyVerdict(cloud).Id;
        await Eventually.UntilAsync(() => StoreOf(cloud).Find(id)!.Confirmed, "the verdict confirmed by the device");
        var publisher = cloud.App.Services.GetRequiredService<ReviewVerdictPublisher>();
        var registry = cloud.App.Services.GetRequiredService<FleetRegistry>();
        var (publishes, attempts, onlineSince) = (publisher.Publishes, StoreOf(cloud).Find(id)!.Attempts, registry.ReviewDelivery(DeviceId).OnlineSince);

        // The device comes back (what makes an unconfirmed verdict go out at once) and passes run on request.
        await first.DisposeAsync();
        await using var back = await StartDeviceAsync(cloud.BrokerPort, seed: false);
        await Eventually.UntilAsync(() => registry.ReviewDelivery(DeviceId) is { Online: true, ConfirmedThrough: 1 } d && d.OnlineSince > onlineSince, "the device back online, reporting its watermark");
        await publisher.PublishPendingAsync(TestContext.Current.CancellationToken);
        await publisher.PublishPendingAsync(TestContext.Current.CancellationToken);

        Assert.Equal((publishes, attempts, "confirmed"), (publisher.Publishes, StoreOf(cloud).Find(id)!.Attempts, StoreOf(cloud).Find(id)!.Status));
        Assert.Equal(1, back.Database.Database.GetCollection(EdgeDatabase.Verdicts).Count());
    }

    [Fact]
    public async Task OnReviewed_DeviceWatermarkAboveWhatTheCloudIssued_KeepsPublishingAndTheDeviceRecordsIt()
    {
        string[] retry = ["--Cloud:Verdicts:RetrySeconds=1"];
        var cloud = await TestCloud.StartAsync(_directory.Path, retry);
        var port = cloud.BrokerPort;
        LineDevice? device = null;
        try
        {
            await FleetApiTests.WaitForBrokerAsync(cloud);
            device = await StartDeviceAsync(port);
            await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "accept"), TestContext.Current.CancellationToken);
            await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "reject", ReviewedAt.AddMinutes(1)), TestContext.Current.CancellationToken);
            await Eventually.UntilAsync(() => StoreOf(cloud).CountUnconfirmed() == 0, "both verdicts confirmed");

            // The cloud's database is replaced: its numbering starts again at 1, below the device's watermark of 2.
            await cloud.DisposeAsync();
            foreach (var file in Directory.GetFiles(_directory.Path, "cloud*.db*"))
            {
                File.Delete(file);
            }

            cloud = await TestCloud.StartAsync(_directory.Path, [.. retry, $"--Cloud:Broker:Port={port}", $"--Cloud:Mqtt:Port={port}"]);
            await FleetApiTests.WaitForBrokerAsync(cloud);
            await SinkOf(cloud).OnReviewedAsync(Reviewed(42, "fix", ReviewedAt.AddMinutes(2)), TestContext.Current.CancellationToken);
            var record = OnlyVerdict(cloud);

            await Eventually.UntilAsync(() => device.Database.PartCollection.FindById(42).Review?.Id == record.Id, "the new cloud's verdict recorded on the device");
            await Eventually.UntilAsync(() => StoreOf(cloud).Find(record.Id)!.Attempts >= 3, "the verdict published again: the device's watermark is not trusted");
            Assert.Equal((1L, "sent"), (record.Number, StoreOf(cloud).Find(record.Id)!.Status));
            Assert.Equal(2, cloud.App.Services.GetRequiredService<FleetRegistry>().ReviewDelivery(DeviceId).ConfirmedThrough);
        }
        finally
        {
            if (device is not null)
            {
                await device.DisposeAsync();
            }

            await cloud.DisposeAsync();
        }
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

    internal static ReviewedPart Reviewed(long part, string action, DateTimeOffset? at = null) =>
        new(DeviceId, "line-1", $"{DeviceId}/{part}", part, IsPart: true, action == "reject" ? "pass" : "defect", action, "alice", at ?? ReviewedAt, ["scratch"]);

    private static ReviewVerdictRecord OnlyVerdict(TestCloud cloud) =>
        cloud.App.Services.GetRequiredService<Inspection.CloudInference.Storage.CloudDatabase>().Database.GetCollection<ReviewVerdictRecord>(ReviewVerdictStore.CollectionName).FindAll().Single();

    internal static ReviewVerdictSink SinkOf(TestCloud cloud) =>
        cloud.App.Services.GetServices<IReviewedPartSink>().OfType<ReviewVerdictSink>().Single();

    internal static ReviewVerdictStore StoreOf(TestCloud cloud) => cloud.App.Services.GetRequiredService<ReviewVerdictStore>();

    private Task<LineDevice> StartDeviceAsync(int port, bool seed = true) => StartDeviceAsync(_directory.Path, port, seed);

    /// <summary>Device <see cref="DeviceId"/> on the cloud's control keys in <paramref name="folder"/>, holding part 42 (when <paramref name="seed"/>).</summary>
    internal static Task<LineDevice> StartDeviceAsync(string folder, int port, bool seed = true) =>
        LineDevice.StartAsync(
            DeviceId,
            Directory.CreateDirectory(Path.Combine(folder, "device")).FullName,
            Path.Combine(folder, DesiredStateSigner.PublicFolderName),
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
