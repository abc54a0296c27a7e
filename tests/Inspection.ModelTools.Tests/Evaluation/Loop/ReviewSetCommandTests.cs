using System.CommandLine;
using Inspection.ModelTools.Evaluation.Loop;

namespace Inspection.ModelTools.Tests.Evaluation.Loop;

public sealed class ReviewSetCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(2705, "line 2705 is a test line")]
    [InlineData(1500, "line 1500 is a validation line")]
    public async Task Invoke_HeldOutLine_RefusedBeforeAnyWork(int line, string expected)
    {
        var output = _directory.File("set");

        var (exitCode, error) = await InvokeAsync(["review-set", "--out", output, "--lines", "1000", line.ToString(System.Globalization.CultureInfo.InvariantCulture), .. Models]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Invoke_FolderWithFiles_RefusedAndLeftAsItWas()
    {
        var output = _directory.Folder("used");
        await File.WriteAllTextAsync(Path.Combine(output, "keep.txt"), "mine", TestContext.Current.CancellationToken);

        var (exitCode, error) = await InvokeAsync(["review-set", "--out", output, .. Models]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("is not a new or empty folder", error, StringComparison.Ordinal);
        Assert.Equal(["keep.txt"], Directory.GetFiles(output).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("-0.5")]
    [InlineData("2")]
    public async Task Invoke_AuditShareOutOfRange_RefusedBeforeAnyWork(string share)
    {
        var output = _directory.File("set");

        var (exitCode, error) = await InvokeAsync(["review-set", "--out", output, "--audit-share", share, .. Models]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--audit-share must be between 0 (no audits) and 1", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Invoke_AuditShareOne_EveryPartTakenAndTheConfidentOnesMarkedWithTheEdgesDecision()
    {
        var escalatedOnly = _directory.File("escalated");
        var withAudits = _directory.File("audits");

        var (plain, _) = await InvokeAsync(["review-set", "--out", escalatedOnly, "--lines", "1000", "--frames", "300", .. Models]);
        var (audited, _) = await InvokeAsync(["review-set", "--out", withAudits, "--lines", "1000", "--frames", "300", "--audit-share", "1", .. Models]);

        Assert.Equal((0, 0), (plain, audited));
        var before = Provenance(escalatedOnly);
        var after = Provenance(withAudits);
        Assert.All(before, i => Assert.False(i.TryGetProperty("audit", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.String));
        var audits = after.Where(i => i.GetProperty("audit").ValueKind == System.Text.Json.JsonValueKind.String).ToList();
        Assert.NotEmpty(audits);
        Assert.All(audits, i => Assert.Contains(i.GetProperty("audit").GetString(), new[] { "pass", "defect" }));
        Assert.Equal(before.Count + audits.Count, after.Count);
    }

    [Fact]
    public void DataYaml_NamesTheModelsClassesInOrder()
    {
        var yaml = ReviewSetCommand.DataYaml();

        Assert.Contains("names:\n  0: scratch\n  1: spot\n  2: crack\n  3: dent\n", yaml, StringComparison.Ordinal);
        Assert.Contains("train: images\n", yaml, StringComparison.Ordinal);
    }

    private static List<System.Text.Json.JsonElement> Provenance(string set) =>
        [.. File.ReadAllLines(Path.Combine(set, ReviewSetCommand.ProvenanceFileName)).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)];

    private static string[] Models =>
    [
        "--edge", Path.Combine(RepositoryPaths.Models, Inspection.ModelTools.Models.ShippedModels.Edge),
        "--cloud", Path.Combine(RepositoryPaths.Models, Inspection.ModelTools.Models.ShippedModels.Cloud),
    ];

    private static async Task<(int ExitCode, string Error)> InvokeAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await new RootCommand { ReviewSetCommand.Create() }.Parse(args).InvokeAsync(
            new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, error.ToString());
    }
}
