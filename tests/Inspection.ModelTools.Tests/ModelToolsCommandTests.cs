namespace Inspection.ModelTools.Tests;

public sealed class ModelToolsCommandTests
{
    [Theory]
    [InlineData("--frames", "0", "--frames must be at least 1.")]
    [InlineData("--width", "10", "--width must be at least 64 pixels.")]
    [InlineData("--height", "10", "--height must be at least 48 pixels.")]
    [InlineData("--fps", "0", "--fps must be a positive number of frames per second.")]
    public void Parse_LineWithBadValue_ReportsWhatIsWrong(string option, string value, string message)
    {
        var result = ModelToolsCommand.Create().Parse(["line", "--out", Path.GetTempPath(), option, value]);

        Assert.Contains(result.Errors, e => e.Message == message);
    }

    [Fact]
    public void Parse_LineWithoutOut_ReportsMissingOption()
    {
        var result = ModelToolsCommand.Create().Parse(["line"]);

        Assert.Contains(result.Errors, e => e.Message.Contains("--out", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_LineWithDefaults_HasNoErrors()
    {
        var result = ModelToolsCommand.Create().Parse(["line", "--out", Path.GetTempPath()]);

        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Parse_RemovedBuildCommand_IsUnknown()
    {
        // The hand-designed filter-bank models and their 'build' command were replaced by trained models
        // (models/rebuild.sh); a script still calling 'build' must fail loudly rather than do nothing.
        var result = ModelToolsCommand.Create().Parse(["build", "--out", Path.GetTempPath()]);

        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public void Parse_EvaluateMissingModel_ReportsTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "missing-model.onnx");

        var result = ModelToolsCommand.Create().Parse(["evaluate", "--model", path]);

        Assert.Contains(result.Errors, e => e.Message.Contains(path, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.5")]
    public void Parse_EvaluateBadThreshold_Reports(string threshold)
    {
        var model = Path.Combine(RepositoryPaths.Models, "edge", "inspection-edge.onnx");

        var result = ModelToolsCommand.Create().Parse(["evaluate", "--model", model, "--threshold", threshold]);

        Assert.Contains(result.Errors, e => e.Message == "--threshold must be between 0 and 1.");
    }
}
