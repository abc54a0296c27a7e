using System.CommandLine;
using Inspection.ModelTools.Evaluation.Parts;
using Inspection.ModelTools.Models;

namespace Inspection.ModelTools.Tests.Evaluation.Parts;

public sealed class ChooseBandsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("choose-bands-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(2705)] // reserved test line of dataset seed 901
    [InlineData(5)] // test line of dataset seed 1
    [InlineData(1003)] // a training line
    [InlineData(7)] // a line set aside for nothing
    public async Task Invoke_LineNotSetAsideForChoosing_RefusesBeforeLoadingAnyModelAndWritesNothing(int line)
    {
        var target = Path.Combine(_dir, "choice");

        var (exitCode, error) = await InvokeAsync(
            ["choose-bands", "--edge", Path.Combine(_dir, "missing.onnx"), "--lines", "1500", line.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", target]);

        Assert.Equal(1, exitCode);
        Assert.Contains("refused", error, StringComparison.Ordinal);
        Assert.Contains($"line {line}", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public void BandChoiceLines_AreTheShippedModelsValidationLines()
    {
        Assert.Equal([1500, 1501, 1502, 1503, 1504, 1505, 1506, 1507], SeedUse.BandChoiceLines);
        Assert.All(SeedUse.BandChoiceLines, l => Assert.Null(SeedUse.ChoiceRefusal(l)));
    }

    private static async Task<(int ExitCode, string Error)> InvokeAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await new RootCommand { ChooseBandsCommand.Create() }.Parse(args).InvokeAsync(
            new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, error.ToString());
    }
}
