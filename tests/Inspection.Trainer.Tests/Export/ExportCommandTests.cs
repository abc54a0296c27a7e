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
        Assert.Contains("--quant-aware fine-tunes trained weights: give them with --init-weights.", _error.ToString(), StringComparison.Ordinal);
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

    private Task<int> InvokeAsync(params string[] arguments) => RunAsync(["export", .. arguments]);

    private Task<int> RunAsync(params string[] arguments) =>
        TrainerCommand.Create(NullLoggerFactory.Instance)
            .Parse(arguments)
            .InvokeAsync(new InvocationConfiguration { Output = _output, Error = _error }, TestContext.Current.CancellationToken);
}
