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

    private Task<int> InvokeAsync(params string[] arguments) =>
        TrainerCommand.Create(NullLoggerFactory.Instance)
            .Parse(["export", .. arguments])
            .InvokeAsync(new InvocationConfiguration { Output = _output, Error = _error }, TestContext.Current.CancellationToken);
}
