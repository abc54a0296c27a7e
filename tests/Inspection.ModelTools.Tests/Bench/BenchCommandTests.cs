using Inspection.ModelTools.Tests.Timing;

namespace Inspection.ModelTools.Tests.Bench;

public sealed class BenchCommandTests : IDisposable
{
    private static readonly string EdgeModel = Path.Combine(RepositoryPaths.Models, "edge", "inspection-edge.onnx");

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Invoke_CompareTwoModels_PrintsBothTimesAndRatio()
    {
        var (exitCode, output, error) = await TimingGraphFixture.InvokeAsync(
            ["bench", "--model", EdgeModel, "--compare", EdgeModel, "--frames", "10"], TestContext.Current.CancellationToken);

        Assert.Equal(string.Empty, error);
        Assert.Equal(0, exitCode);
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("pipeline ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("compare A ", StringComparison.Ordinal) && l.Contains("ms/frame", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("compare B ", StringComparison.Ordinal) && l.Contains("inspection-edge.onnx", StringComparison.Ordinal));
        Assert.Matches(@"(?m)^ratio B/A\s+\d+\.\d\dx", output);
    }

    [Fact]
    public async Task Invoke_MissingTimingGraph_Exits2AndSaysHowToGenerateIt()
    {
        var missing = _directory.File("yolov8n-timing.onnx");

        var (exitCode, _, error) = await TimingGraphFixture.InvokeAsync(["bench", "--model", missing], TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains($"No model at '{missing}'.", error, StringComparison.Ordinal);
        Assert.Contains($"build-timing --out \"{missing}\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_MissingCompareModel_Exits2AndNamesIt()
    {
        var missing = _directory.File("other.onnx");

        var (exitCode, _, error) = await TimingGraphFixture.InvokeAsync(
            ["bench", "--model", EdgeModel, "--compare", missing], TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains($"No model at '{missing}'.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("build-timing", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_CompareFileIsNotAModel_Exits1WithReason()
    {
        var notAModel = _directory.File("broken.onnx");
        await File.WriteAllTextAsync(notAModel, "not an onnx model", TestContext.Current.CancellationToken);

        var (exitCode, _, error) = await TimingGraphFixture.InvokeAsync(
            ["bench", "--model", EdgeModel, "--compare", notAModel, "--frames", "10"], TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("bench: ", error, StringComparison.Ordinal);
    }
}
