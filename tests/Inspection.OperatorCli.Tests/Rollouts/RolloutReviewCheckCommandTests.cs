using Inspection.Contracts.Rollouts;
using Inspection.OperatorCli.Tests.Infrastructure;

namespace Inspection.OperatorCli.Tests.Rollouts;

/// <summary><c>rollout start --review-check</c> against <see cref="RecordingRolloutApi"/>: the check the options ask for, and its result printed.</summary>
public sealed class RolloutReviewCheckCommandTests : IAsyncLifetime, IDisposable
{
    private readonly TestCli _cli = new();
    private RecordingRolloutApi _api = null!;

    public async ValueTask InitializeAsync() => _api = await RecordingRolloutApi.StartAsync();

    public async ValueTask DisposeAsync() => await _api.DisposeAsync();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Start_ReviewCheckAlone_SendsAnEmptyCheckSoEveryDefaultIsTheClouds()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("rollout", "start", "--release", "4", "--line", "line-2", "--review-check"));

        var request = Assert.Single(_api.Requests).BodyAs<RolloutRequest>()!;
        Assert.Equal(new ReviewCheck(), request.Strategy!.ReviewCheck);
        Assert.Contains($"Review check (2026-11-26 22:00:00Z, 61 frames): {RecordingRolloutApi.ReviewCheckPassed.Summary}", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ReviewCheckOptions_PostedCamelCaseAndImplyTheCheck()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync(
            "rollout", "start", "--release", "4", "--all", "--review-min-parts", "30", "--review-escape-allowance", "1",
            "--review-false-reject-allowance", "0.1", "--review-shadow-min-agreement", "0.25"));

        var check = Assert.Single(_api.Requests).Json["strategy"]!["reviewCheck"]!;
        Assert.Equal((30, 1, 0.1, 0.25), (check["minParts"]!.GetValue<int>(), check["escapeAllowance"]!.GetValue<int>(), check["falseRejectAllowance"]!.GetValue<double>(), check["shadowMinAgreement"]!.GetValue<double>()));
    }

    [Fact]
    public async Task Start_ReviewCheckAnsweredAfterTheRequestTimeout_WaitsForTheAnswer()
    {
        // The cloud runs the release over the reviewed frames inside the request: longer than any other request may take.
        _api.AnswerDelay = ApiCommand.RequestTimeout + TimeSpan.FromSeconds(1);

        Assert.Equal(ExitCodes.Ok, await RunAsync("rollout", "start", "--release", "4", "--all", "--review-check"));

        Assert.Contains(RecordingRolloutApi.ReviewCheckPassed.Summary, _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_IncludeTrainSplit_PostedAndImpliesTheCheck()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("rollout", "start", "--release", "4", "--all", "--review-include-train-split"));

        var check = Assert.Single(_api.Requests).Json["strategy"]!["reviewCheck"]!;
        Assert.True(check["includeTrainSplit"]!.GetValue<bool>());
        Assert.Null(check["minParts"]);
    }

    [Fact]
    public async Task Start_NoReviewOption_SendsNoCheckAndPrintsNone()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("rollout", "start", "--release", "4", "--all", "--max-concurrent", "3"));

        Assert.Null(Assert.Single(_api.Requests).BodyAs<RolloutRequest>()!.Strategy!.ReviewCheck);
        Assert.DoesNotContain("Review check", _cli.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--review-min-parts", "0")]
    [InlineData("--review-escape-allowance", "-1")]
    [InlineData("--review-false-reject-allowance", "2")]
    [InlineData("--review-shadow-min-agreement", "x")]
    public async Task Start_BadReviewOption_ExitsTwoWithoutARequest(string option, string value)
    {
        Assert.Equal(ExitCodes.BadArguments, await RunAsync("rollout", "start", "--release", "4", "--all", option, value));

        Assert.Empty(_api.Requests);
        Assert.Contains(option, _cli.Error, StringComparison.Ordinal);
    }

    private Task<int> RunAsync(params string[] args) => _cli.RunAsync([.. args, "--api", _api.Api]);
}
