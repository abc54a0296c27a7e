using System.Net.Http.Json;
using Inspection.CloudInference.Cli;
using Inspection.CloudInference.Tests.Fleet;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Mqtt;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.CloudInference.Tests.Cli;

public sealed class CloudCliTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly TextWriter _syncOutput;

    public CloudCliTests()
    {
        // The watch test reads what the command is still writing; SyncTextWriter locks on itself.
        _syncOutput = TextWriter.Synchronized(_output);
    }

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task SetMode_RunningApp_PrintsNewDesiredStateAndExitsZero()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        await FleetApiTests.WaitForBrokerAsync(cloud);

        var exit = await RunAsync("set-mode", "--device", "cam-1", "--mode", "local-only", "--issued-by", "bob", "--api", cloud.ApiUri.ToString());

        Assert.Equal(CloudCli.Ok, exit);
        Assert.Contains("cam-1: desired mode local-only, version 1, issued by bob", _output.ToString());
        Assert.Contains("Published", _output.ToString());
        var fleet = await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Count == 1);
        Assert.Equal(DegradationModes.LocalOnly, fleet.Devices[0].DesiredMode);
    }

    [Theory]
    [InlineData("set-mode", "--device", "cam-1", "--mode", "offline")]
    [InlineData("set-mode", "--mode", "normal")]
    [InlineData("set-mode", "--device", "cam 1", "--mode", "normal")]
    [InlineData("set-mode", "--device", "cam-1", "--mode", "normal", "--api", "not a url")]
    [InlineData("fleet", "--interval", "0")]
    [InlineData("fleet", "--duration", "-3")]
    [InlineData("fleet", "--bogus")]
    public async Task Verb_BadArguments_ExitsTwoWithMessage(params string[] args)
    {
        var exit = await RunAsync(args);

        Assert.Equal(CloudCli.BadArguments, exit);
        Assert.False(string.IsNullOrWhiteSpace(_error.ToString()));
    }

    [Fact]
    public async Task SetMode_ApiUnreachable_ExitsOneWithClearMessage()
    {
        using var refused = LoopbackPort.Refused();
        var api = $"http://127.0.0.1:{refused.Port}";

        var exit = await RunAsync("set-mode", "--device", "cam-1", "--mode", "normal", "--api", api);

        Assert.Equal(CloudCli.Unreachable, exit);
        Assert.Contains("unreachable", _error.ToString());
        Assert.Contains(api, _error.ToString());
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

        await FleetApiTests.PollFleetAsync(cloud, f => f.Devices.Any(d => d.Reported is not null && d.Online is not null));
        await cloud.EscalateAsync(TestFrames.Request("cam-7", 1), TestFrames.Request("cam-7", 1));

        var exit = await RunAsync("fleet", "--api", cloud.ApiUri.ToString());

        Assert.Equal(CloudCli.Ok, exit);
        var lines = _output.ToString().Split('\n', StringSplitOptions.TrimEntries);
        Assert.StartsWith("DEVICE", lines[0]);
        Assert.Contains("APPLIED/DESIRED", lines[0]);
        var row = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["cam-7", "yes", "normal", "0/0", "inspection-edge", "1.2.0", "r3", "r4", "shadowing", "12f", "CPU", "29.5", "1000", "950", "30", "20", "3", "17"], row);
        Assert.Contains("Escalations stored: 1  duplicates answered: 1", _output.ToString());
    }

    [Fact]
    public async Task Fleet_WatchWithDuration_RefreshesOnTheIntervalThenStops()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var time = new FakeTimeProvider(TestDevices.At);

        var run = CloudCli.RunAsync(
            ["fleet", "--api", cloud.ApiUri.ToString(), "--watch", "--interval", "2", "--duration", "5"],
            _syncOutput, _error, time, TestContext.Current.CancellationToken);

        // Refreshes at 0 s, 2 s and 4 s; a fourth at 6 s would pass the 5 s limit.
        while (!run.IsCompleted)
        {
            await Eventually.UntilAsync(
                () => run.IsCompleted || CountTables() > (int)(time.GetUtcNow() - TestDevices.At).TotalSeconds / 2,
                "the next refresh");
            time.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.Equal(CloudCli.Ok, await run);
        Assert.Equal(3, CountTables());
    }

    [Fact]
    public async Task Fleet_ApiUnreachable_ExitsOne()
    {
        using var refused = LoopbackPort.Refused();
        var exit = await RunAsync("fleet", "--api", $"http://127.0.0.1:{refused.Port}");

        Assert.Equal(CloudCli.Unreachable, exit);
        Assert.Contains("unreachable", _error.ToString());
    }

    [Fact]
    public async Task Serve_HostArguments_ReachTheHost()
    {
        // The host sees the custom model path: it refuses to start and names exactly that path.
        var missing = Path.Combine(_directory.Path, "custom", "model.onnx");
        var args = TestCloud.Arguments(_directory.Path, 0, 0, LoopbackPort.Candidate(), missing);

        var exit = await RunAsync(["serve", .. args]);

        Assert.Equal(CloudCli.Unreachable, exit);
        Assert.Contains("could not start", _error.ToString());
        Assert.Contains(missing, _error.ToString());
    }

    [Fact]
    public async Task Serve_NoVerb_RunsUntilCancelled()
    {
        // The model is committed: its absence is a failure, not a reason to skip.
        Assert.True(File.Exists(RepoPaths.CloudModel), $"{RepoPaths.CloudModel} is missing; rebuild it with 'Inspection.ModelTools build --out models'.");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        // The CLI cannot say which port it bound, so it binds candidates; one another process took is retried.
        var serving = await LoopbackPort.BindAsync(
            async httpPort =>
            {
                var args = TestCloud.Arguments(_directory.Path, 0, httpPort, LoopbackPort.Candidate(), RepoPaths.CloudModel);
                var run = CloudCli.RunAsync([.. args], _output, _error, stop.Token);
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
                await Eventually.WaitAsync(
                    "the served /healthz",
                    async ct => (await http.GetAsync("/healthz", ct)).IsSuccessStatusCode,
                    ok => ok || run.IsCompleted,
                    TimeSpan.FromSeconds(60),
                    TestContext.Current.CancellationToken);
                return run.IsCompleted ? throw new InvalidOperationException($"the cloud stopped before serving: {_error}") : run;
            },
            isConflict: ex => ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase));
        await stop.CancelAsync();

        Assert.Equal(CloudCli.Ok, await serving);
    }

    private int CountTables()
    {
        string text;
        lock (_syncOutput)
        {
            text = _output.ToString();
        }

        return text.Split('\n').Count(line => line.StartsWith("DEVICE", StringComparison.Ordinal));
    }

    private Task<int> RunAsync(params string[] args) =>
        CloudCli.RunAsync(args, _output, _error, TestContext.Current.CancellationToken);
}
