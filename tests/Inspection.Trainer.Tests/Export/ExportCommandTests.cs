using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.Trainer.Tests.Export;

public sealed class ExportCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Invoke_MissingWeights_ExitCode2NamingTheFile()
    {
        var weights = _directory.File("missing.dat");

        var exitCode = await InvokeAsync("--weights", weights, "--out", _directory.File("out.onnx"));

        Assert.Equal(2, exitCode);
        Assert.Equal($"export: no weights at '{weights}'.", _error.ToString().Trim());
        Assert.False(File.Exists(_directory.File("out.onnx")));
    }

    [Fact]
    public async Task Invoke_FileThatHoldsNoWeights_ExitCode2WithReason()
    {
        var weights = _directory.File("notes.dat");
        await File.WriteAllTextAsync(weights, "not weights", TestContext.Current.CancellationToken);

        var exitCode = await InvokeAsync("--weights", weights, "--out", _directory.File("out.onnx"));

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"export: '{weights}' does not hold weights of a width-1 detector with 4 classes", _error.ToString().Trim(), StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.File("out.onnx")));
    }

    [Theory]
    [InlineData("export", "--dilations", "1", "2")]
    [InlineData("export", "--dilations", "1", "1", "1", "1", "1", "1", "9")]
    [InlineData("train", "--dilations", "0", "1", "1", "1", "1", "1", "1")]
    public async Task Invoke_BadDilations_ExitCode2BeforeAnyWork(string verb, params string[] dilations)
    {
        var exitCode = await RunAsync(verb == "export"
            ? [verb, "--weights", _directory.File("w.dat"), "--out", _directory.File("out"), .. dilations]
            : [verb, "--out", _directory.File("out"), .. dilations]);

        Assert.NotEqual(0, exitCode);
        Assert.StartsWith("--dilations takes 7 numbers between 1 and 8 (one per stage)", _error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.File("out")));
    }

    [Fact]
    public async Task Invoke_QuantAwareWithoutStartWeights_IsRefused()
    {
        var exitCode = await RunAsync("train", "--out", _directory.File("out"), "--quant-aware");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--quant-aware fine-tunes trained weights: give them with --init-weights or --init-onnx.", _error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(_directory.File("out")));
    }

    [Fact]
    public async Task Train_StartWeightsOfAnotherKind_ExitCode2WithReason()
    {
        var weights = _directory.File("notes.dat");
        await File.WriteAllTextAsync(weights, "not weights", TestContext.Current.CancellationToken);

        var exitCode = await RunAsync("train", "--out", _directory.File("out"), "--init-weights", weights, "--quant-aware");

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"train: '{weights}' does not hold weights of a width-1 detector with dilations 1 1 1 1 1 1 1 and 4 classes", _error.ToString().Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_InitOnnxOfAQuantizedModel_ExitCode2PointingAtTheFloatTwin()
    {
        var exitCode = await RunAsync(
            "train", "--out", _directory.File("out"), "--imgsz", "128", "--residual", "--quant-aware",
            "--init-onnx", RepositoryRoot.Combine("models", "edge", "inspection-edge.onnx"));

        Assert.Equal(2, exitCode);
        Assert.Contains("is a quantized model; start from its float twin", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_BothStarts_IsRefused()
    {
        var weights = _directory.File("w.dat");
        await File.WriteAllTextAsync(weights, "x", TestContext.Current.CancellationToken);

        var exitCode = await RunAsync(
            "train", "--out", _directory.File("out"), "--init-weights", weights, "--init-onnx", RepositoryRoot.Combine("models", "edge", "inspection-edge-fp32.onnx"));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Give one start", _error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(_directory.File("out")));
    }

    [Fact]
    public async Task Train_ExtraDatasetWithoutDataYaml_RefusedBeforeAnyWork()
    {
        var folder = _directory.Folder("export");
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        Directory.CreateDirectory(Path.Combine(folder, "labels"));

        var exitCode = await RunAsync("train", "--out", _directory.File("out"), "--extra-dataset", folder);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"--extra-dataset: '{folder}' has no data.yaml", _error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(_directory.File("out")));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.5")]
    public async Task Train_ExtraShareOutOfRange_IsRefused(string share)
    {
        var exitCode = await RunAsync("train", "--out", _directory.File("out"), "--extra-share", share);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--extra-share must be above 0 and at most 1", _error.ToString(), StringComparison.Ordinal);
    }

    private Task<int> InvokeAsync(params string[] arguments) => RunAsync(["export", .. arguments]);

    private Task<int> RunAsync(params string[] arguments) =>
        TrainerCommand.Create(NullLoggerFactory.Instance)
            .Parse(arguments)
            .InvokeAsync(new InvocationConfiguration { Output = _output, Error = _error }, TestContext.Current.CancellationToken);
}
