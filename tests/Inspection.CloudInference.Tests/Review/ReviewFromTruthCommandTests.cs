using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Review;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.ModelTools.Review;

namespace Inspection.CloudInference.Tests.Review;

/// <summary>
/// The model tools' scripted reviewer (<c>review-from-truth</c>) against the real cloud with the production cloud model:
/// uncertain parts of a small rendered line in the review queue, answered from the line's ground truth through the
/// review API. Frame sequence s is frame s − 1 of the line, as on an agent that inspected every frame from a new database.
/// </summary>
public sealed class ReviewFromTruthCommandTests : IClassFixture<RenderedLine>, IDisposable
{
    private const string Device = "line1-cam1";
    private readonly RenderedLine _line;
    private readonly TempDirectory _directory = new();

    public ReviewFromTruthCommandTests(RenderedLine line) => _line = line;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Invoke_CloudBoxesOnTheTruth_AcceptedWithOneKey()
    {
        await using var cloud = await StartAsync();
        var (part, defects) = RenderedLine.Truth(60, partId: 0);
        AddPart(cloud, 1, frame: 60, part, [.. defects.Select(d => Box(d.ClassName, d.ClassId, d.Box))]);

        var (exitCode, output, error) = await InvokeAsync(cloud);

        Assert.True(exitCode == 0, error);
        Assert.Equal("accept", (await ReviewOf(cloud, 1)).Action);
        var summary = await SummaryAsync();
        Assert.Equal((1, 0, 0, 1, 0), (summary.GetProperty("accepted").GetInt32(), summary.GetProperty("fixed").GetInt32(),
            summary.GetProperty("rejected").GetInt32(), summary.GetProperty("keys").GetInt32(), summary.GetProperty("drags").GetInt32()));
        Assert.Contains("accept 1, fix 0, reject 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_CloudBoxOffTheDefect_FixedWithTheTrueBoxByOneDrag()
    {
        await using var cloud = await StartAsync();
        var (part, defects) = RenderedLine.Truth(60, partId: 0);
        var dent = Assert.Single(defects);
        var off = dent.Box with { X1 = dent.Box.X1 + 40, X2 = dent.Box.X2 + 40 };
        AddPart(cloud, 1, frame: 60, part, [Box(dent.ClassName, dent.ClassId, off)]);

        var (exitCode, _, error) = await InvokeAsync(cloud);

        Assert.True(exitCode == 0, error);
        var review = await ReviewOf(cloud, 1);
        Assert.Equal("fix", review.Action);
        var stored = Assert.Single(Assert.Single(review.Frames).Boxes);
        Assert.Equal(dent.ClassId, stored.ClassId);

        // The labels keep one decimal.
        Assert.Equal(dent.Box.X1, stored.X1, 0.051);
        Assert.Equal(dent.Box.Y1, stored.Y1, 0.051);
        Assert.Equal(dent.Box.X2, stored.X2, 0.051);
        Assert.Equal(dent.Box.Y2, stored.Y2, 0.051);

        // f, one drag to move the box onto the dent, Enter.
        var summary = await SummaryAsync();
        Assert.Equal((2, 1), (summary.GetProperty("keys").GetInt32(), summary.GetProperty("drags").GetInt32()));
    }

    [Fact]
    public async Task Invoke_DefectOnlyOnTheNeighbouringPart_Rejected()
    {
        await using var cloud = await StartAsync();

        // Frame 128: clean part 1 whole in view, part 0 leaving with its dent; the cloud's box is on part 0's dent.
        var (clean, none) = RenderedLine.Truth(128, partId: 1);
        Assert.Empty(none);
        var (_, neighbour) = RenderedLine.Truth(128, partId: 0);
        var dent = Assert.Single(neighbour);
        AddPart(cloud, 2, frame: 128, clean, [Box(dent.ClassName, dent.ClassId, dent.Box)]);

        var (exitCode, _, error) = await InvokeAsync(cloud);

        Assert.True(exitCode == 0, error);
        Assert.Equal("reject", (await ReviewOf(cloud, 2)).Action);
    }

    [Fact]
    public async Task Invoke_SequenceBeyondTheVideo_RefusedAndItemLeftInTheQueue()
    {
        await using var cloud = await StartAsync();
        var (part, defects) = RenderedLine.Truth(60, partId: 0);
        AddPart(cloud, 1, frame: RenderedLine.Frames + 500, part, [.. defects.Select(d => Box(d.ClassName, d.ClassId, d.Box))]);

        var (exitCode, _, error) = await InvokeAsync(cloud);

        Assert.Equal(1, exitCode);
        Assert.Contains("has no frame in", error, StringComparison.Ordinal);
        Assert.Contains("--loop", error, StringComparison.Ordinal);
        var item = await cloud.Http.GetFromJsonAsync<ReviewItem>($"api/review/items/{Device}/1", TestContext.Current.CancellationToken);
        Assert.Null(item!.Review);
        Assert.Null(item.Lease);
    }

    [Fact]
    public async Task Invoke_PartBoxOnNoPartOfTheMappedFrame_RefusedNamingTheCause()
    {
        await using var cloud = await StartAsync();

        // Part 1's box from frame 128, numbered as frame 5, where part 1 is not yet on the line: frames were skipped.
        var (part, _) = RenderedLine.Truth(128, partId: 1);
        AddPart(cloud, 1, frame: 5, part, [ReviewItems.Box(0.5, part.X1, part.Y1, part.X1 + 20, part.Y1 + 20)]);

        var (exitCode, _, error) = await InvokeAsync(cloud);

        Assert.Equal(1, exitCode);
        Assert.Contains("lies on no part there", error, StringComparison.Ordinal);
        Assert.Contains("Degradation:InferenceSlowEnabled=false", error, StringComparison.Ordinal);
        Assert.Null((await cloud.Http.GetFromJsonAsync<ReviewItem>($"api/review/items/{Device}/1", TestContext.Current.CancellationToken))!.Review);
    }

    [Fact]
    public async Task Invoke_FolderWithoutLabels_RefusedBeforeAnyCall()
    {
        var empty = _directory.Folder("not-a-line");
        await File.WriteAllTextAsync(_directory.File("token"), "unused", TestContext.Current.CancellationToken);

        var (exitCode, _, error) = await RunAsync(["review-from-truth", "--cloud", "http://127.0.0.1:9", "--token-file", _directory.File("token"), "--line", empty]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"no labels.jsonl in '{empty}'", error, StringComparison.Ordinal);
    }

    private async Task<TestCloud> StartAsync()
    {
        Assert.True(File.Exists(RepoPaths.CloudModel), $"{RepoPaths.CloudModel} is missing; it is committed (git checkout -- models/cloud).");
        return await TestCloud.StartAsync(_directory.Folder("cloud-" + Guid.NewGuid().ToString("N")), realCloudModel: true);
    }

    private static void AddPart(TestCloud cloud, long partId, int frame, BoundingBoxValues part, IReadOnlyList<StoredDetection> cloudBoxes) =>
        ReviewItems.AddPart(cloud, Device, partId, cloudBoxes, sequences: [frame + 1],
            partBox: new StoredPartBox { X1 = Math.Max(0, part.X1), Y1 = part.Y1, X2 = Math.Min(639, part.X2), Y2 = part.Y2 });

    private static StoredDetection Box(string className, int classId, BoundingBoxValues box) =>
        ReviewItems.Box(0.6, box.X1, box.Y1, box.X2, box.Y2, className, classId);

    private static async Task<ReviewResult> ReviewOf(TestCloud cloud, long partId)
    {
        var item = await cloud.Http.GetFromJsonAsync<ReviewItem>($"api/review/items/{Device}/{partId}", TestContext.Current.CancellationToken);
        return item!.Review ?? throw new Xunit.Sdk.XunitException($"{Device}/{partId} was not reviewed");
    }

    private async Task<JsonElement> SummaryAsync() =>
        JsonDocument.Parse(await File.ReadAllTextAsync(_directory.File("summary.json"), TestContext.Current.CancellationToken)).RootElement;

    private async Task<(int ExitCode, string Output, string Error)> InvokeAsync(TestCloud cloud)
    {
        var token = _directory.File("token");
        await File.WriteAllTextAsync(token, cloud.Token + "\n", TestContext.Current.CancellationToken);
        return await RunAsync(["review-from-truth", "--cloud", cloud.ApiUri.ToString(), "--token-file", token, "--line", $"{Device}={_line.Directory}",
            "--summary", _directory.File("summary.json")]);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var exitCode = await new RootCommand { ReviewFromTruthCommand.Create() }.Parse(args).InvokeAsync(
            new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }
}
