using System.CommandLine;
using Inspection.ModelTools.Dataset;

namespace Inspection.ModelTools.Tests.Dataset;

public sealed class DatasetCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dataset-cmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Parse_WithoutOut_ReportsMissingOption()
    {
        var result = Root().Parse(["dataset"]);

        Assert.Contains(result.Errors, e => e.Message.Contains("--out", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_WithDefaults_HasNoErrorsAndBriefDefaults()
    {
        var command = DatasetCommand.Create();

        var result = new RootCommand { command }.Parse(["dataset", "--out", _dir]);

        Assert.Empty(result.Errors);
        Assert.Equal(1, result.GetValue<int>("--seed"));
        Assert.Equal(2000, result.GetValue<int>("--train"));
        Assert.Equal(300, result.GetValue<int>("--val"));
        Assert.Equal(300, result.GetValue<int>("--test"));
        Assert.Equal(640, result.GetValue<int>("--width"));
        Assert.Equal(480, result.GetValue<int>("--height"));
    }

    [Theory]
    [InlineData("--train", "-5", "--train must be between 1 and 999999 images, got -5.")]
    [InlineData("--train", "0", "--train must be between 1 and 999999 images, got 0.")]
    [InlineData("--val", "-1", "--val must be between 1 and 999999 images, got -1.")]
    [InlineData("--test", "-1", "--test must be between 0 and 999999 images, got -1.")]
    [InlineData("--width", "10", "--width must be between 64 and 4096 pixels, got 10.")]
    [InlineData("--height", "9000", "--height must be between 48 and 4096 pixels, got 9000.")]
    public void Parse_BadValue_ReportsWhatIsWrong(string option, string value, string message)
    {
        var result = Root().Parse(["dataset", "--out", _dir, option, value]);

        Assert.Contains(result.Errors, e => e.Message == message);
    }

    [Theory]
    [InlineData("--train", "-5")]
    [InlineData("--val", "-2")]
    [InlineData("--test", "-3")]
    public async Task Invoke_NegativeCount_FailsAndWritesNothing(string option, string value)
    {
        var target = Path.Combine(_dir, "ds");
        var (exitCode, _, error) = await InvokeAsync(["dataset", "--out", target, option, value]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(option + " must be between", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Invoke_WithoutOut_FailsAndWritesNothing()
    {
        var (exitCode, _, error) = await InvokeAsync(["dataset", "--train", "2", "--val", "1", "--test", "1"]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--out", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Invoke_FolderWithOtherFiles_ReportsClearErrorAndKeepsThem()
    {
        var target = Path.Combine(_dir, "mine");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "notes.txt"), "keep me");

        var (exitCode, _, error) = await InvokeAsync(["dataset", "--out", target, "--train", "2", "--val", "1", "--test", "1"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("not a dataset written by this tool", error, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Invoke_SmallDataset_WritesItAndPrintsSummary()
    {
        var target = Path.Combine(_dir, "ds");

        var (exitCode, output, error) = await InvokeAsync(
            ["dataset", "--out", target, "--seed", "5", "--train", "6", "--val", "2", "--test", "2", "--width", "320", "--height", "240"]);

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Contains("Wrote 10 images", output, StringComparison.Ordinal);
        Assert.Equal(6, Directory.GetFiles(Path.Combine(target, "images", "train")).Length);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(target, "labels", "test")).Length);
        Assert.True(File.Exists(Path.Combine(target, "data.yaml")));
    }

    private static RootCommand Root() => new() { DatasetCommand.Create() };

    private static async Task<(int ExitCode, string Output, string Error)> InvokeAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await Root().Parse(args).InvokeAsync(
            new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }
}
