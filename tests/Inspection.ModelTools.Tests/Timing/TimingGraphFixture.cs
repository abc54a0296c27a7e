using System.CommandLine;

namespace Inspection.ModelTools.Tests.Timing;

/// <summary>The timing graph written once by the <c>build-timing</c> command (default seed) into a temp folder, shared by a test class.</summary>
public sealed class TimingGraphFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();

    public string Path => _directory.File("yolov8n-timing.onnx");

    public int ExitCode { get; private set; }

    public string Output { get; private set; } = string.Empty;

    public string Error { get; private set; } = string.Empty;

    public string Folder => _directory.Path;

    public async ValueTask InitializeAsync()
    {
        (ExitCode, Output, Error) = await InvokeAsync(["build-timing", "--out", Path], CancellationToken.None);
    }

    public ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs the model tools command line with captured output.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> InvokeAsync(string[] args, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ModelToolsCommand.Create().Parse(args).InvokeAsync(
            new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }
}
