using System.CommandLine;
using Inspection.ModelTools.Evaluation.Loop;
using Inspection.ModelTools.Evaluation.Parts;

namespace Inspection.ModelTools.Tests.Evaluation.Loop;

public sealed class LoopEvalCommandTests
{
    [Fact]
    public async Task Invoke_SeedThatIsNotReserved_Refused()
    {
        var (exitCode, error) = await InvokeAsync(["loop-eval", "--after", Edge, "--before", Edge, "--cloud", Cloud, "--seeds", "901", "1"]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--seeds: 1 is neither a reserved dataset seed", error, StringComparison.Ordinal);
        Assert.Contains("nor a loop validation seed (801 802 803", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_UnknownVariant_Refused()
    {
        var (exitCode, error) = await InvokeAsync(["loop-eval", "--after", Edge, "--before", Edge, "--cloud", Cloud, "--variants", "a", "c"]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--variants takes a and/or b, got 'c'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void PartsPerHour_FifteenFramesPerSecond_SevenHundredTwenty() =>
        Assert.Equal(720, LoopEvalCommand.PartsPerHour(15), 6);

    [Fact]
    public void Table_TwoSeeds_SumsCountsAndTakesTheWorst()
    {
        LoopRow Row(int seed, int parts, int escalated, int escapes, double map) =>
            new("b", seed, seed * 3 + 2, "after", map, PartScore.Zero with { Parts = parts, Defective = parts / 2, Escalated = escalated, Escapes = escapes }, escalated * 720.0 / parts, 0);

        var table = LoopEvalCommand.Table([Row(901, 20, 2, 0, 0.90), Row(902, 20, 6, 1, 0.80)], 15);

        // 8 of 40 escalated (20 %), the worst seed 6 of 20 (30 %); one escape; mAP50 mean 0.850, worst 0.800.
        Assert.Contains("| b | after | 901 902 | 40 (20) | 20.0 % / 30.0 % | 1 / 1 | 0 / 0 | 0 / 0 | 144 / 216 | 0.0 / 0.0 | 0.850 / 0.800 |", table, StringComparison.Ordinal);
    }

    private static string Edge => Path.Combine(RepositoryPaths.Models, Inspection.ModelTools.Models.ShippedModels.Edge);

    private static string Cloud => Path.Combine(RepositoryPaths.Models, Inspection.ModelTools.Models.ShippedModels.Cloud);

    private static async Task<(int ExitCode, string Error)> InvokeAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await new RootCommand { LoopEvalCommand.Create() }.Parse(args).InvokeAsync(
            new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, error.ToString());
    }
}
