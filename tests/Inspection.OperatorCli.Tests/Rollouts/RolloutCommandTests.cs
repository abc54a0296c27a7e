using System.Text.Json;
using Inspection.Contracts.Rollouts;
using Inspection.OperatorCli.Tests.Infrastructure;

namespace Inspection.OperatorCli.Tests.Rollouts;

/// <summary>
/// The rollout verbs against <see cref="RecordingRolloutApi"/>: the request each option makes, how answers print, and
/// the exit code of every kind of refusal.
/// </summary>
public sealed class RolloutCommandTests : IAsyncLifetime, IDisposable
{
    private readonly TestCli _cli = new();
    private RecordingRolloutApi _api = null!;

    public async ValueTask InitializeAsync() => _api = await RecordingRolloutApi.StartAsync();

    public async ValueTask DisposeAsync() => await _api.DisposeAsync();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Start_DevicesWithEveryStrategyOption_PostsThemAllCamelCase()
    {
        var exit = await RunAsync(
            "rollout", "start", "--release", "7", "--devices", "cam-1,cam-2, cam-3", "--canary-devices", "cam-2",
            "--waves", "50,100", "--success-threshold", "0.95", "--max-failures", "1", "--max-failure-share", "0.1",
            "--device-timeout", "600", "--max-concurrent", "2", "--window", "22:00-4:00", "--time-zone", "Europe/Berlin",
            "--gate-escalations", "20", "--gate-minutes", "30");

        Assert.True(exit == ExitCodes.Ok, _cli.Error);
        var request = Assert.Single(_api.Requests);
        Assert.Equal(("POST", "/api/rollouts"), (request.Method, request.Path));
        var json = request.Json;
        Assert.Equal(7, json["release"]!.GetValue<long>());
        Assert.Null(json["issuedBy"]);
        Assert.Equal(["cam-1", "cam-2", "cam-3"], json["target"]!["devices"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.False(json["target"]!["all"]!.GetValue<bool>());
        var strategy = json["strategy"]!;
        Assert.Equal(["cam-2"], strategy["canary"]!["devices"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal([50.0, 100.0], strategy["waves"]!.AsArray().Select(w => w!.GetValue<double>()));
        Assert.Null(strategy["ramp"]);
        Assert.Equal(0.95, strategy["successThreshold"]!.GetValue<double>());
        Assert.Equal((1, 0.1), (strategy["failureThreshold"]!["count"]!.GetValue<int>(), strategy["failureThreshold"]!["share"]!.GetValue<double>()));
        Assert.Equal(600, strategy["deviceTimeoutSeconds"]!.GetValue<int>());
        Assert.Equal(2, strategy["maxConcurrentUpdates"]!.GetValue<int>());
        Assert.Equal(
            ("22:00", "04:00", "Europe/Berlin"),
            (strategy["maintenanceWindow"]!["start"]!.GetValue<string>(), strategy["maintenanceWindow"]!["end"]!.GetValue<string>(), strategy["maintenanceWindow"]!["timeZone"]!.GetValue<string>()));
        Assert.Equal((20, 30.0), (strategy["accuracyGate"]!["escalations"]!.GetValue<int>(), strategy["accuracyGate"]!["minutes"]!.GetValue<double>()));
    }

    [Fact]
    public async Task Start_Created_PrintsTheRolloutIdFirstThenItsTables()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("rollout", "start", "--release", "7", "--line", "line-1"));

        Assert.StartsWith($"{RecordingRolloutApi.Id}: release 7 (inspection-edge 2.7.0), running", _cli.Output);
        Assert.Equal(["canary", "1", "succeeded", "0", "0", "0", "0", "1", "0", "0"], _cli.Row("canary")[..10]);
        Assert.Equal(["cam-2", "wave 1", "updating", "shadowing"], _cli.Row("cam-2")[..4]);
    }

    [Fact]
    public async Task Start_LineWithCanaryCountAndRamp_PostsARampAndNoWaves()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("rollout", "start", "--release", "9", "--line", "line-2", "--canary-count", "2", "--ramp", "10,2"));

        var request = Assert.Single(_api.Requests).BodyAs<RolloutRequest>()!;
        Assert.Equal(9, request.Release);
        Assert.Equal(new RolloutTarget(Line: "line-2"), request.Target);
        var strategy = request.Strategy!;
        Assert.Equal((2, null), (strategy.Canary!.Count, strategy.Canary.Devices));
        Assert.Equal(new RampSpec(10, 2), strategy.Ramp);
        Assert.Null(strategy.Waves);
    }

    [Theory]
    [InlineData("--tag", "night-shift")]
    [InlineData("--all")]
    public async Task Start_TargetWithoutStrategyOptions_SendsNoStrategy(params string[] target)
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync(["rollout", "start", "--release", "5", .. target]));

        var recorded = Assert.Single(_api.Requests);
        var request = recorded.BodyAs<RolloutRequest>()!;
        Assert.Null(request.Strategy);
        Assert.Equal(target[0] == "--all" ? new RolloutTarget(All: true) : new RolloutTarget(Tag: "night-shift"), request.Target);
    }

    [Theory]
    [InlineData("--release", "5")]
    [InlineData("--release", "5", "--line", "line-1", "--all")]
    [InlineData("--release", "5", "--devices", "cam-1", "--tag", "t")]
    [InlineData("--release", "5", "--devices", ",")]
    [InlineData("--release", "5", "--all", "--waves", "25,100", "--ramp", "10,2")]
    [InlineData("--release", "5", "--all", "--canary-count", "1", "--canary-devices", "cam-1")]
    [InlineData("--release", "5", "--all", "--canary-count", "0")]
    [InlineData("--release", "5", "--all", "--waves", "100,25")]
    [InlineData("--release", "5", "--all", "--waves", "25,x")]
    [InlineData("--release", "5", "--all", "--ramp", "10")]
    [InlineData("--release", "5", "--all", "--ramp", "10,1")]
    [InlineData("--release", "5", "--all", "--success-threshold", "1.5")]
    [InlineData("--release", "5", "--all", "--max-failure-share", "-0.1")]
    [InlineData("--release", "5", "--all", "--window", "25:00-04:00")]
    [InlineData("--release", "5", "--all", "--window", "22:00")]
    [InlineData("--release", "5", "--all", "--time-zone", "Europe/Berlin")]
    [InlineData("--release", "5", "--all", "--gate-minutes", "0")]
    [InlineData("--release", "5", "--all", "--max-failures", "many")]
    [InlineData("--release", "five", "--all")]
    [InlineData("--all")]
    [InlineData("--release", "5", "--agent-version", "1.5.0", "--all")]
    public async Task Start_BadOptions_ExitsTwoWithoutARequest(params string[] options)
    {
        var exit = await RunAsync(["rollout", "start", .. options]);

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.False(string.IsNullOrWhiteSpace(_cli.Error));
        Assert.Empty(_api.Requests);
    }

    [Theory]
    [InlineData(400, ExitCodes.BadArguments)]
    [InlineData(404, ExitCodes.NotFound)]
    [InlineData(409, ExitCodes.Refused)]
    [InlineData(500, ExitCodes.Failed)]
    [InlineData(503, ExitCodes.Failed)]
    public async Task Pause_ApiRefuses_ExitsWithTheCodeForItsStatusAndPrintsItsError(int status, int expected)
    {
        _api.Failure = (status, "rollout ro-1 is completed; only a running rollout can be paused");

        var exit = await RunAsync("rollout", "pause", "ro-1");

        Assert.Equal(expected, exit);
        Assert.Contains($"HTTP {status}: rollout ro-1 is completed; only a running rollout can be paused", _cli.Error);
        Assert.Empty(_cli.Output);
    }

    [Fact]
    public async Task Start_ApiAnswersBadRequest_ExitsTwoWithItsError()
    {
        _api.Failure = (400, "release 7 is not registered");

        var exit = await RunAsync("rollout", "start", "--release", "7", "--all");

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.Contains("release 7 is not registered", _cli.Error);
    }

    [Fact]
    public async Task Status_ApiUnreachable_ExitsOne()
    {
        using var refused = LoopbackPort.Refused();

        var exit = await _cli.RunAsync("rollout", "status", "ro-1", "--api", $"http://127.0.0.1:{refused.Port}");

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("unreachable", _cli.Error);
    }

    [Fact]
    public async Task Status_Tables_ShowEveryWaveAndDeviceWithTheReasonTakenLiterally()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("rollout", "status", "ro-5"));

        Assert.Equal(("GET", "/api/rollouts/ro-5"), (_api.Requests[0].Method, _api.Requests[0].Path));
        Assert.Equal(["wave 1", "2", "running", "0", "0", "1", "0", "0", "1", "0"], _cli.Row("wave 1")[..10]);
        var failed = _cli.Row("cam-3");
        Assert.Equal(["cam-3", "wave 1", "failed", "rolled-back", "2026-11-26 22:11:00Z", "rolled back: uncertain rate [2.5x] above the limit"], failed);
    }

    [Fact]
    public async Task Status_Json_ParsesBackIntoTheView()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("rollout", "status", "ro-5", "--json"));

        var view = JsonSerializer.Deserialize<RolloutView>(_cli.Output, JsonSerializerOptions.Web)!;
        var expected = RecordingRolloutApi.View("ro-5", RolloutStates.Running);
        Assert.Equal((expected.Id, expected.State, expected.Release, expected.UpdatedAt), (view.Id, view.State, view.Release, view.UpdatedAt));
        Assert.Equal(expected.Waves, view.Waves);
        Assert.Equal(expected.Devices, view.Devices);
        Assert.Equal(expected.Counts, view.Counts);
    }

    [Fact]
    public async Task List_Json_ParsesBackIntoTheSummaries()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("rollout", "list", "--json"));

        var rollouts = JsonSerializer.Deserialize<List<RolloutSummary>>(_cli.Output, JsonSerializerOptions.Web)!;
        Assert.Equal(
            [RecordingRolloutApi.Summary("ro-20261126-2", RolloutStates.Halted, 8), RecordingRolloutApi.Summary(RecordingRolloutApi.Id, RolloutStates.Completed, 7)],
            rollouts);
    }

    [Fact]
    public async Task List_Table_OneRowPerRolloutNewestFirst()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("rollout", "list"));

        var rows = _cli.TableRows();
        Assert.Equal(["ID", "RELEASE", "STATE", "WAVE", "DEVICES"], rows[0][..5]);
        Assert.Equal(["ro-20261126-2", "8", "halted", "2/2", "3"], rows[1][..5]);
        Assert.Equal([RecordingRolloutApi.Id, "7", "completed"], rows[2][..3]);
    }

    [Theory]
    [InlineData(RolloutStates.Completed, ExitCodes.Ok)]
    [InlineData(RolloutStates.Halted, ExitCodes.RolloutStopped)]
    [InlineData(RolloutStates.Cancelled, ExitCodes.RolloutStopped)]
    [InlineData(RolloutStates.Superseded, ExitCodes.RolloutStopped)]
    public async Task StatusWatch_RolloutEnds_StopsWithTheExitCodeOfItsState(string end, int expected)
    {
        _api.States = [RolloutStates.Running, RolloutStates.Paused, end];

        var exit = await RunAsync("rollout", "status", "ro-5", "--watch", "--interval", "0.1");

        Assert.Equal(expected, exit);
        Assert.Equal(3, _api.Requests.Count);
        var headings = _cli.Output.Split('\n').Where(line => line.StartsWith("ro-5: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, headings.Count);
        Assert.StartsWith($"ro-5: release 7 (inspection-edge 2.7.0), {end}", headings[^1]);
    }

    [Fact]
    public async Task StatusWatch_RolloutGone_StopsWithNotFound()
    {
        _api.Failure = (404, "no rollout ro-5");

        var exit = await RunAsync("rollout", "status", "ro-5", "--watch", "--interval", "0.1");

        Assert.Equal(ExitCodes.NotFound, exit);
        Assert.Single(_api.Requests);
    }

    [Theory]
    [InlineData("pause", RolloutStates.Paused)]
    [InlineData("resume", RolloutStates.Running)]
    [InlineData("cancel", RolloutStates.Cancelled)]
    public async Task Action_WithReason_PostsItAndPrintsTheResultingView(string action, string state)
    {
        var exit = await RunAsync("rollout", action, "ro-5", "--reason", "line 2 stops at 22:00");

        Assert.Equal(ExitCodes.Ok, exit);
        var request = Assert.Single(_api.Requests);
        Assert.Equal(("POST", $"/api/rollouts/ro-5/{action}"), (request.Method, request.Path));
        Assert.Equal(new RolloutAction("line 2 stops at 22:00"), request.BodyAs<RolloutAction>());
        Assert.StartsWith($"ro-5: release 7 (inspection-edge 2.7.0), {state}", _cli.Output);
    }

    [Theory]
    [InlineData("rollout", "start", "--release", "7", "--all", "--issued-by", "alice")]
    [InlineData("rollout", "pause", "ro-5", "--issued-by", "alice")]
    public async Task Command_IssuedByOption_RefusedAsUnknownAndNothingSent(params string[] args)
    {
        var exit = await RunAsync(args);

        // Who did it is the account of the token: the cloud records that, so the option is gone rather than ignored.
        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.Contains("--issued-by", _cli.Error);
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task List_NoApiOption_UsesTheInspectionApiVariable()
    {
        _cli.Environment["INSPECTION_API"] = _api.Api;

        var exit = await _cli.RunAsync("rollout", "list");

        Assert.True(exit == ExitCodes.Ok, _cli.Error);
        Assert.Equal("/api/rollouts", Assert.Single(_api.Requests).Path);
    }

    private Task<int> RunAsync(params string[] args) => _cli.RunAsync([.. args, "--api", _api.Api]);
}
