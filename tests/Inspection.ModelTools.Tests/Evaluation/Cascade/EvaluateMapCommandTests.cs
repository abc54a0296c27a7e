using System.CommandLine;
using Google.Protobuf;
using System.Text.Json;
using Inspection.ModelTools.Evaluation.Cascade;
using Inspection.ModelTools.Onnx.Proto;
using OpenCvSharp;

namespace Inspection.ModelTools.Tests.Evaluation.Cascade;

public sealed class EvaluateMapCommandTests : IDisposable
{
    private static readonly string EdgeModel = Path.Combine(RepositoryPaths.Models, "edge", "inspection-edge.onnx");
    private static readonly string CloudModel = Path.Combine(RepositoryPaths.Models, "cloud", "inspection-cloud.onnx");

    private readonly string _dir = Directory.CreateTempSubdirectory("evaluate-map-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Invoke_FourFramesWithRealModels_WritesMetricsJsonWithThreeReports()
    {
        var target = Path.Combine(_dir, "eval");

        var (exitCode, output, error) = await InvokeAsync(
            ["evaluate-map", "--edge", EdgeModel, "--cloud", CloudModel, "--seed", "1", "--frames", "4", "--out", target]);

        Assert.Equal(string.Empty, error);
        Assert.Equal(0, exitCode);
        Assert.Contains("cascade", output, StringComparison.Ordinal);
        Assert.Contains("Chosen band:", output, StringComparison.Ordinal);
        Assert.Contains("Note: line 5 is the test split of dataset seed 1", output, StringComparison.Ordinal);
        Assert.Contains("Confusion at confidence 0.25", output, StringComparison.Ordinal);
        Assert.Contains("    crack   ", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(target, EvaluationOutput.MetricsFileName), TestContext.Current.CancellationToken));
        var root = json.RootElement;
        Assert.Equal(["edge", "cloud", "cascade"], root.GetProperty("reports").EnumerateObject().Select(p => p.Name));
        Assert.All(root.GetProperty("reports").EnumerateObject(), r => Assert.Equal(4, r.Value.GetProperty("imageCount").GetInt32()));

        // Every labelled box lands in exactly one cell of its class's row of the confusion matrix.
        Assert.All(root.GetProperty("reports").EnumerateObject(), r =>
        {
            var counts = r.Value.GetProperty("confusion").GetProperty("counts");
            foreach (var metrics in r.Value.GetProperty("classes").EnumerateArray())
            {
                var row = counts[metrics.GetProperty("classId").GetInt32()].EnumerateArray().Sum(c => c.GetInt32());
                Assert.Equal(metrics.GetProperty("truthCount").GetInt32(), row);
            }

            var offDiagonal = Enumerable.Range(0, 4).Sum(t => Enumerable.Range(0, 4).Where(p => p != t).Sum(p => counts[t][p].GetInt32()));
            Assert.Equal(offDiagonal, r.Value.GetProperty("confusion").GetProperty("mistakes").GetArrayLength());
        });
        Assert.Equal(4, root.GetProperty("frameCount").GetInt32());
        Assert.True(root.GetProperty("sweep").GetArrayLength() > 100);
        Assert.InRange(root.GetProperty("escalatedFraction").GetDouble(), 0, 1);
        foreach (var png in new[] { "pr-edge.png", "pr-cloud.png", "pr-cascade.png", EvaluationOutput.TradeoffFileName })
        {
            using var image = Cv2.ImRead(Path.Combine(target, png));
            Assert.False(image.Empty(), png);
        }
    }

    [Fact]
    public async Task Invoke_EdgeAsItsOwnFp32Twin_AddsFourthReportEqualToEdge()
    {
        var target = Path.Combine(_dir, "eval");

        var (exitCode, output, _) = await InvokeAsync(
            ["evaluate-map", "--edge", EdgeModel, "--edge-fp32", EdgeModel, "--cloud", CloudModel, "--frames", "2", "--out", target]);

        Assert.Equal(0, exitCode);
        Assert.Contains("Quantization:", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(target, EvaluationOutput.MetricsFileName), TestContext.Current.CancellationToken));
        var reports = json.RootElement.GetProperty("reports");
        Assert.Equal(["edge", "edge-fp32", "cloud", "cascade"], reports.EnumerateObject().Select(p => p.Name));
        Assert.Equal(reports.GetProperty("edge").GetProperty("map50").GetDouble(), reports.GetProperty("edge-fp32").GetProperty("map50").GetDouble());
        Assert.True(File.Exists(Path.Combine(target, "pr-edge-fp32.png")));
    }

    [Fact]
    public async Task Invoke_ModelIsNotOnnx_FailsWithClearErrorAndWritesNothing()
    {
        var broken = Path.Combine(_dir, "broken.onnx");
        await File.WriteAllTextAsync(broken, "not a model", TestContext.Current.CancellationToken);
        var target = Path.Combine(_dir, "eval");

        var (exitCode, _, error) = await InvokeAsync(["evaluate-map", "--edge", EdgeModel, "--cloud", broken, "--frames", "1", "--out", target]);

        Assert.Equal(1, exitCode);
        Assert.Contains(broken, error, StringComparison.Ordinal);
        Assert.Contains("does not follow the detection contract", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Invoke_CloudModelWithOtherClasses_FailsNamingThemAndWritesNothing()
    {
        var model = ModelProto.Parser.ParseFrom(await File.ReadAllBytesAsync(CloudModel, TestContext.Current.CancellationToken));
        model.MetadataProps.Single(p => p.Key == "names").Value = "{0: 'scratch', 1: 'dent', 2: 'crack', 3: 'spot'}";
        var renamed = Path.Combine(_dir, "renamed.onnx");
        await File.WriteAllBytesAsync(renamed, model.ToByteArray(), TestContext.Current.CancellationToken);
        var target = Path.Combine(_dir, "eval");

        var (exitCode, _, error) = await InvokeAsync(["evaluate-map", "--edge", EdgeModel, "--cloud", renamed, "--frames", "1", "--out", target]);

        Assert.Equal(1, exitCode);
        Assert.Contains("the cloud model's classes (scratch, dent, crack, spot) are not the synthetic line's (scratch, spot, crack, dent)", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Invoke_InvertedBand_FailsNamingTheEdgesAndWritesNothing()
    {
        var target = Path.Combine(_dir, "eval");

        var (exitCode, _, error) = await InvokeAsync(
            ["evaluate-map", "--edge", EdgeModel, "--cloud", CloudModel, "--lower", "0.8", "--upper", "0.5", "--out", target]);

        Assert.Equal(1, exitCode);
        Assert.Contains("--lower/--upper: the upper edge of the uncertain band must be between the lower edge (0.8) and 1", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Invoke_OutIsAFile_FailsAndKeepsTheFile()
    {
        var file = Path.Combine(_dir, "metrics-folder");
        await File.WriteAllTextAsync(file, "keep me", TestContext.Current.CancellationToken);

        var (exitCode, _, error) = await InvokeAsync(["evaluate-map", "--edge", EdgeModel, "--cloud", CloudModel, "--out", file]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("is a file", error, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Parse_MissingModel_ReportsTheFile()
    {
        var missing = Path.Combine(_dir, "missing.onnx");

        var result = Root().Parse(["evaluate-map", "--edge", missing, "--cloud", CloudModel]);

        Assert.Contains(result.Errors, e => e.Message == $"--edge: no model at '{missing}'.");
    }

    [Theory]
    [InlineData("--frames", "0", "--frames must be between 1 and 999999, got 0.")]
    [InlineData("--threshold", "1.5", "--threshold must be between 0 and 1, got 1.5.")]
    [InlineData("--target", "0", "--target must be above 0 and at most 1 (0.98 means 98 % of cloud-only mAP50), got 0.")]
    [InlineData("--threads", "-1", "--threads must be between 0 (ONNX Runtime decides) and 256, got -1.")]
    [InlineData("--max-lower", "0", "--max-lower must be above 0 and at most 1, got 0.")]
    public void Parse_BadValue_ReportsWhatIsWrong(string option, string value, string message)
    {
        var result = Root().Parse(["evaluate-map", "--edge", EdgeModel, "--cloud", CloudModel, option, value]);

        Assert.Contains(result.Errors, e => e.Message == message);
    }

    [Fact]
    public void Parse_Defaults_MatchShippedBandAndBrief()
    {
        var result = Root().Parse(["evaluate-map", "--edge", EdgeModel, "--cloud", CloudModel]);

        Assert.Empty(result.Errors);
        Assert.Equal(300, result.GetValue<int>("--frames"));
        Assert.Equal(1, result.GetValue<int>("--seed"));
        Assert.Equal(Inspection.ModelTools.Models.ShippedModels.Band.Lower, result.GetValue<float>("--lower"));
        Assert.Equal(Inspection.ModelTools.Models.ShippedModels.Band.Upper, result.GetValue<float>("--upper"));
        Assert.Equal(0.10, result.GetValue<double>("--max-escalated"));
        Assert.Equal(1.0, result.GetValue<double>("--max-lower"));
        Assert.Equal(0.3f, result.GetValue<float>("--nms-iou"));
        Assert.False(result.GetValue<bool>("--agnostic-nms"));
        Assert.Equal(0.25f, result.GetValue<float>("--threshold"));
    }

    [Theory]
    [InlineData(333, "trained on")]
    [InlineData(340, "trained on")]
    [InlineData(353, "trained on")]
    [InlineData(500, "validated on")]
    [InlineData(501, "validated on")]
    public async Task Invoke_SeedWhoseTestLineWasTrainedOrValidatedOn_RefusesNamingUseAndUnseenSeeds(int seed, string use)
    {
        var target = Path.Combine(_dir, "eval");

        var (exitCode, output, error) = await InvokeAsync(
            ["evaluate-map", "--edge", EdgeModel, "--cloud", CloudModel, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--frames", "2", "--out", target]);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("evaluate-map: refused:", error, StringComparison.Ordinal);
        Assert.Contains(use, error, StringComparison.Ordinal);
        Assert.Contains("901 902 903 904 905", error, StringComparison.Ordinal);
        Assert.Contains("--allow-seen-seed", error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Invoke_SeenSeedWithAllowSeenSeed_EvaluatesAndWarnsInOutputAndMetricsJson()
    {
        var target = Path.Combine(_dir, "eval");

        var (exitCode, output, error) = await InvokeAsync(
            ["evaluate-map", "--edge", EdgeModel, "--cloud", CloudModel, "--seed", "500", "--frames", "2", "--out", target, "--allow-seen-seed"]);

        Assert.Equal(string.Empty, error);
        Assert.Equal(0, exitCode);
        var warnings = output.Split('\n').Where(l => l.StartsWith("WARNING: SEEN SEED", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("line 1502", warnings[0], StringComparison.Ordinal);
        Assert.Contains("validated on", warnings[0], StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(target, EvaluationOutput.MetricsFileName), TestContext.Current.CancellationToken));
        Assert.StartsWith("WARNING: SEEN SEED", json.RootElement.GetProperty("seedWarning").GetString(), StringComparison.Ordinal);
        Assert.Equal(500, json.RootElement.GetProperty("seed").GetInt32());
    }

    [Fact]
    public async Task Invoke_ReservedUnseenSeed_EvaluatesWithoutWarning()
    {
        var target = Path.Combine(_dir, "eval");

        var (exitCode, output, error) = await InvokeAsync(
            ["evaluate-map", "--edge", EdgeModel, "--cloud", CloudModel, "--seed", "901", "--frames", "2", "--out", target]);

        Assert.Equal(string.Empty, error);
        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("WARNING", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Note:", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(target, EvaluationOutput.MetricsFileName), TestContext.Current.CancellationToken));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("seedWarning").ValueKind);
        Assert.Equal(901, json.RootElement.GetProperty("seed").GetInt32());
    }

    [Fact]
    public void Create_RootCommand_ListsEvaluateMap()
    {
        Assert.Contains(ModelToolsCommand.Create().Subcommands, c => c.Name == "evaluate-map");
    }

    private static RootCommand Root() => new() { EvaluateMapCommand.Create() };

    private static async Task<(int ExitCode, string Output, string Error)> InvokeAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await Root().Parse(args).InvokeAsync(
            new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }
}
