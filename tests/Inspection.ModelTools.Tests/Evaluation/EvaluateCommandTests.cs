using System.CommandLine;
using Inspection.ModelTools.Evaluation;

namespace Inspection.ModelTools.Tests.Evaluation;

public sealed class EvaluateCommandTests
{
    private static readonly string EdgeModel = Path.Combine(RepositoryPaths.Models, "edge", "inspection-edge.onnx");

    [Theory]
    [InlineData("1022", "trained on")]
    [InlineData("1503", "validated on")]
    public async Task Invoke_LineTheShippedModelsSaw_RefusesNamingUseAndUnseenLines(string line, string use)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await new RootCommand { EvaluateCommand.Create() }.Parse(["evaluate", "--model", EdgeModel, "--seeds", "101", line, "--frames", "10"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"evaluate: refused: line {line} ", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(use, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("2705 2708 2711 2714 2717", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--allow-seen-seed", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, output.ToString());
    }
}
