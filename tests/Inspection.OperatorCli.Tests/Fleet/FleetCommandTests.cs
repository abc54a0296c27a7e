using System.Net.Http.Json;
using System.Text.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Review;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;
using Inspection.OperatorCli.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.OperatorCli.Tests.Fleet;

/// <summary><c>set-mode</c> and <c>fleet</c> against the real cloud app.</summary>
public sealed class FleetCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestCli _cli = new();

    public void Dispose()
    {
        _cli.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task SetMode_RunningApp_PrintsNewDesiredStateAndExitsZero()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await PollFleetAsync(cloud, f => f.BrokerConnected);

        var bob = cloud.TokenFor("bob", AccountRoles.Engineer);

        var exit = await _cli.RunAsync("set-mode", "--device", "cam-1", "--mode", "local-only", "--api", cloud.ApiUri.ToString(), "--token", bob);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("cam-1: desired mode local-only, version 1, issued by bob", _cli.Output);
        Assert.Contains("Published", _cli.Output);
        var fleet = await PollFleetAsync(cloud, f => f.Devices.Count == 1);
        Assert.Equal(DegradationModes.LocalOnly, fleet.Devices[0].DesiredMode);
    }

    [Fact]
    public async Task SetMode_Json_PrintsTheDesiredStateTheApiAnswered()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var bob = cloud.TokenFor("bob", AccountRoles.Engineer);

        var exit = await _cli.RunAsync("set-mode", "--device", "cam-4", "--mode", "local-only", "--json", "--api", cloud.ApiUri.ToString(), "--token", bob);

        Assert.Equal(ExitCodes.Ok, exit);
        var state = JsonSerializer.Deserialize<DesiredState>(_cli.Output, JsonSerializerOptions.Web)!;
        Assert.Equal((DegradationModes.LocalOnly, "bob", 1L), (state.Mode, state.IssuedBy, state.Version));
    }

    [Fact]
    public async Task SetMode_WaitAndTheDeviceApplies_ExitsZero()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await PollFleetAsync(cloud, f => f.BrokerConnected);
        await using var device = await ScriptedDevice.StartAsync(cloud.BrokerPort, "cam-7");

        var exit = await _cli.RunAsync("set-mode", "--device", "cam-7", "--mode", "local-only", "--wait", "--timeout", "60", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.True(exit == ExitCodes.Ok, _cli.Error);
        Assert.Contains("cam-7 applied version 1.", _cli.Output);
    }

    [Fact]
    public async Task SetMode_WaitAndTheDeviceRejects_ExitsConflictWithTheDevicesReason()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await PollFleetAsync(cloud, f => f.BrokerConnected);
        await using var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort);

        var run = _cli.RunAsync("set-mode", "--device", "cam-1", "--mode", "local-only", "--wait", "--timeout", "60", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);
        await PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-1" && d.DesiredVersion == 1));
        var rejection = new RejectedPayload(MqttTopics.Desired("cam-1"), "the desired state (version 1) is unsigned: this device applies only states signed by the cloud's control key", DateTimeOffset.UtcNow);
        await device.PublishAsync(MqttTopics.Reported("cam-1"), MqttPayloads.Serialize(TestDevices.Reported("cam-1") with { LastRejected = rejection }));
        var exit = await run;

        Assert.Equal(ExitCodes.Conflict, exit);
        Assert.Contains($"Conflict: cam-1 rejected a desired state after version 1 was issued: {rejection.Error}", _cli.Error);
    }

    [Fact]
    public async Task SetMode_WaitAndNoDeviceAnswers_ExitsConflictAfterTheTimeout()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await PollFleetAsync(cloud, f => f.BrokerConnected);

        var exit = await _cli.RunAsync("set-mode", "--device", "cam-5", "--mode", "normal", "--wait", "--timeout", "0.5", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.Conflict, exit);
        Assert.Contains("Conflict: cam-5 did not apply version 1 within 0.5 s; it has not reported.", _cli.Error);
    }

    [Fact]
    public async Task Fleet_ADeviceInConflict_ExitsConflictAndNamesIt()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Control:ConflictGraceSeconds=1"]);
        await PollFleetAsync(cloud, f => f.BrokerConnected);
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync("set-mode", "--device", "cam-9", "--mode", "local-only", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        await PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-9" && d.Conflict is not null));

        var exit = await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.Conflict, exit);
        Assert.Matches(@"(?m)^cam-9\s+\?\s+local-only\s+-/1\s+CONFLICT\s", _cli.Output);
        Assert.Contains("Conflict on cam-9: desired version 1 not applied", _cli.Output);
    }

    [Fact]
    public async Task SetMode_ApiUnreachable_ExitsOneWithClearMessage()
    {
        using var refused = LoopbackPort.Refused();
        var api = $"http://127.0.0.1:{refused.Port}";

        var exit = await _cli.RunAsync("set-mode", "--device", "cam-1", "--mode", "normal", "--api", api);

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("unreachable", _cli.Error);
        Assert.Contains(api, _cli.Error);
    }

    [Fact]
    public async Task Fleet_RunningApp_PrintsDeviceTableAndTotals()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await using (var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort))
        {
            await device.PublishAsync(MqttTopics.Status("cam-7"), MqttPayloads.Serialize(TestDevices.Online("cam-7")));
            var updating = TestDevices.Reported("cam-7", appliedVersion: 0) with
            {
                Model = new ModelInfo("inspection-edge", "1.2.0", Release: 3),
                Ota = new OtaProgress(1, "cam-7", 4, OtaStates.Shadowing, TestDevices.At, Agreement: 1, Frames: 12),
            };
            await device.PublishAsync(MqttTopics.Reported("cam-7"), MqttPayloads.Serialize(updating));
        }

        await PollFleetAsync(cloud, f => f.Devices.Any(d => d.Reported is not null && d.Online is not null));
        await cloud.EscalateAsync(TestFrames.Request("cam-7", 1), TestFrames.Request("cam-7", 1));

        var exit = await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.Ok, exit);
        var lines = _cli.Output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.StartsWith("DEVICE", lines[0]);
        Assert.Contains("APPLIED/DESIRED  CONFLICT", lines[0]);
        var row = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["cam-7", "yes", "normal", "0/0", "-", "inspection-edge", "1.2.0", "r3", "r4", "shadowing", "12f", "CPU", "29.5", "1000", "950", "30", "20", "3", "17", "-", "-", "-", "-"], row[..^6]);

        // The uncertain frame waits for a review on line-1: one item, received a moment ago.
        Assert.Equal("1", row[^6]);
        Assert.Matches(@"^\d+s$", row[^5]);

        // No reviewed verdict was ever issued to it.
        Assert.Equal(["-", "-", "-", "-"], row[^4..]);
        Assert.Contains("Escalations stored: 1  duplicates answered: 1", _cli.Output);
    }

    [Fact]
    public async Task Fleet_DeviceReportsParts_PartColumnsAndPartTotals()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await using (var device = await TestMqttClient.ConnectAsync(cloud.BrokerPort))
        {
            var reported = TestDevices.Reported("cam-3");
            reported = reported with { Stats = reported.Stats with { Parts = new PartStats("tracker", Passed: 41, Rejected: 3, Uncertain: 2, Escalated: 1, InView: 1) } };
            await device.PublishAsync(MqttTopics.Reported("cam-3"), MqttPayloads.Serialize(reported));
        }

        await PollFleetAsync(cloud, f => f.Devices.Any(d => d.Reported is not null));
        await cloud.EscalateAsync(
            TestFrames.Part("cam-3", 50, TestFrames.UncertainGrey, TestFrames.PassGrey),
            TestFrames.Part("cam-3", 60, TestFrames.PassGrey, TestFrames.DefectGrey, TestFrames.PassGrey),
            TestFrames.Request("cam-3", 70, TestFrames.PassGrey));

        var exit = await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.Ok, exit);
        var lines = _cli.Output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("ESCALATED  PARTS-PASS  PARTS-REJECTED  PARTS-UNCERTAIN  PARTS-ESCALATED  LINE-BACKLOG  OLDEST-WAITING  VERDICTS", lines[0]);
        var cells = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["41", "3", "2", "1", "1"], cells[^10..^5]);

        // Part 50 waits for a review on the device's line since the cloud stored it a moment ago.
        Assert.Matches(@"^\d+s$", cells[^5]);
        Assert.Contains("Frames: stored 1, pass 1, defect 0, left to review 0", lines);
        Assert.Contains("Parts: stored 2 (5 frames, 0 refused), passed 0, rejected 1, left to review 1", lines);
    }

    [Fact]
    public async Task Fleet_Json_PrintsFleetAndSummaryAsTheApiAnsweredThem()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await cloud.EscalateAsync(TestFrames.Request("cam-8", 1));

        var exit = await _cli.RunAsync("fleet", "--json", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.Ok, exit);
        using var document = JsonDocument.Parse(_cli.Output);
        var fleet = document.RootElement.GetProperty("fleet").Deserialize<FleetSnapshot>(JsonSerializerOptions.Web)!;
        var summary = document.RootElement.GetProperty("summary").Deserialize<EscalationSummary>(JsonSerializerOptions.Web)!;
        Assert.NotNull(fleet.Devices);
        Assert.Equal(1, summary.EscalationsStored);
        Assert.Equal(0, document.RootElement.GetProperty("parts").GetProperty("stored").GetInt64());
    }

    [Fact]
    public async Task Fleet_VerdictsStuck_VerdictColumnsWhatToDoAndTheJsonFields()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await PollFleetAsync(cloud, f => f.BrokerConnected);

        // cam-old runs an agent that reports no review counters; cam-gone was never seen by this cloud.
        await using var older = await ScriptedDevice.StartAsync(cloud.BrokerPort, "cam-old");
        await PollFleetAsync(cloud, f => f.Devices.Any(d => d.DeviceId == "cam-old" && d.Reported is not null && d.Online == true));
        var sink = cloud.App.Services.GetServices<IReviewedPartSink>().OfType<ReviewVerdictSink>().Single();
        foreach (var deviceId in new[] { "cam-old", "cam-gone" })
        {
            await sink.OnReviewedAsync(
                new ReviewedPart(deviceId, "line-1", $"{deviceId}/42", 42, IsPart: true, "defect", "accept", "alice", TestDevices.At, []),
                TestContext.Current.CancellationToken);
        }

        await PollFleetAsync(cloud, f => f.Devices.Count(d => d.Verdicts is { Sent: 1 }) == 2);

        var exit = await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.Ok, exit);
        var lines = _cli.Output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Matches("OLDEST-WAITING  VERDICTS +PENDING/SENT/CONFIRMED  CONFIRMED-THROUGH  OLDEST-UNCONFIRMED$", lines[0]);
        Assert.Matches(@"^cam-gone .* waiting for the device +0/1/0 +0 +\d+s$", lines[1]);
        Assert.Matches(@"^cam-old .* device does not confirm +0/1/0 +0 +\d+s$", lines[2]);
        Assert.Contains(lines, l => l.StartsWith("Verdicts for cam-gone: waiting for the device (0 pending, 1 sent, oldest ", StringComparison.Ordinal)
            && l.EndsWith("): the device is offline; they are delivered when it is back online", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Verdicts for cam-old: device does not confirm (0 pending, 1 sent, oldest ", StringComparison.Ordinal)
            && l.EndsWith("update the agent", StringComparison.Ordinal));

        using var json = new TestCli();
        Assert.Equal(ExitCodes.Ok, await json.RunAsync("fleet", "--json", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token));
        using var document = JsonDocument.Parse(json.Output);
        var fleet = document.RootElement.GetProperty("fleet").Deserialize<FleetSnapshot>(JsonSerializerOptions.Web)!;
        var verdicts = fleet.Devices.Single(d => d.DeviceId == "cam-old").Verdicts!;
        Assert.Equal((VerdictDeliveryStates.DeviceDoesNotConfirm, 0, 1, 0L, 1L, 0L), (verdicts.State, verdicts.Pending, verdicts.Sent, verdicts.Confirmed, verdicts.Issued, verdicts.LastConfirmedNumber));
        Assert.NotNull(verdicts.OldestUnconfirmedAt);
    }

    [Fact]
    public async Task Fleet_WatchWithDuration_RefreshesOnTheIntervalThenStops()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var time = new FakeTimeProvider(TestDevices.At);
        using var cli = new TestCli(time);

        var run = cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", cloud.Token, "--watch", "--interval", "2", "--duration", "5");

        // Refreshes at 0 s, 2 s and 4 s; a fourth at 6 s would pass the 5 s limit.
        while (!run.IsCompleted)
        {
            await Eventually.UntilAsync(
                () => run.IsCompleted || CountTables(cli) > (int)(time.GetUtcNow() - TestDevices.At).TotalSeconds / 2,
                "the next refresh");
            time.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.Equal(ExitCodes.Ok, await run);
        Assert.Equal(3, CountTables(cli));
    }

    [Fact]
    public async Task Fleet_ApiUnreachable_ExitsOne()
    {
        using var refused = LoopbackPort.Refused();
        var exit = await _cli.RunAsync("fleet", "--api", $"http://127.0.0.1:{refused.Port}");

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("unreachable", _cli.Error);
    }

    private static int CountTables(TestCli cli) =>
        cli.Output.Split('\n').Count(line => line.StartsWith("DEVICE", StringComparison.Ordinal));

    private static async Task<FleetSnapshot> PollFleetAsync(TestCloud cloud, Func<FleetSnapshot, bool> done) =>
        await Eventually.WaitAsync(
            "the fleet view",
            ct => cloud.Http.GetFromJsonAsync<FleetSnapshot>("api/fleet", ct)!,
            fleet => fleet is not null && done(fleet),
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken) ?? throw new InvalidOperationException("the fleet view was empty");
}
