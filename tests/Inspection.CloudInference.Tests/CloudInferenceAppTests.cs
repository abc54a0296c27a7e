using Inspection.CloudInference.Tests.Infrastructure;

namespace Inspection.CloudInference.Tests;

/// <summary><see cref="CloudInferenceApp.RunAsync"/>, what <c>Program</c> runs: host arguments in, an exit code out.</summary>
public sealed class CloudInferenceAppTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly StringWriter _error = new();

    public void Dispose()
    {
        _error.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task RunAsync_MissingModel_ExitsOneNamingThePath()
    {
        // The host sees the custom model path: it refuses to start and names exactly that path.
        var missing = Path.Combine(_directory.Path, "custom", "model.onnx");
        var args = TestCloud.Arguments(_directory.Path, 0, 0, LoopbackPort.Candidate(), missing);

        var exit = await CloudInferenceApp.RunAsync([.. args], _error, TestContext.Current.CancellationToken);

        Assert.Equal(1, exit);
        var line = Assert.Single(_error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("The cloud service could not start:", line);
        Assert.Contains(missing, line);
    }

    [Fact]
    public async Task RunAsync_InvalidSetting_ExitsOneNamingTheKey()
    {
        var args = TestCloud.Arguments(_directory.Path, 0, 0, LoopbackPort.Candidate(), TinyOnnxModel.Write(_directory.Path));
        args.Add("--Cloud:HttpUrl=http://plant-server:5180");

        var exit = await CloudInferenceApp.RunAsync([.. args], _error, TestContext.Current.CancellationToken);

        Assert.Equal(1, exit);
        Assert.Contains("'plant-server' is not an IP address", _error.ToString());
    }

    [Fact]
    public async Task RunAsync_ValidArguments_ServesUntilCancelledThenExitsZero()
    {
        // The model is committed: its absence is a failure, not a reason to skip.
        Assert.True(File.Exists(RepoPaths.CloudModel), $"{RepoPaths.CloudModel} is missing; rebuild it with 'Inspection.ModelTools build --out models'.");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        // The program cannot say which port it bound, so it binds candidates; one another process took is retried.
        var serving = await LoopbackPort.BindAsync(
            async httpPort =>
            {
                var args = TestCloud.Arguments(_directory.Path, 0, httpPort, LoopbackPort.Candidate(), RepoPaths.CloudModel);
                var run = CloudInferenceApp.RunAsync([.. args], _error, stop.Token);
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

        Assert.Equal(0, await serving);
    }
}
