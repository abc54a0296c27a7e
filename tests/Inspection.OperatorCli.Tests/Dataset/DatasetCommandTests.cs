using System.Net.Http.Json;
using System.Text.Json;
using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Review;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.OperatorCli.Tests.Infrastructure;

namespace Inspection.OperatorCli.Tests.Dataset;

/// <summary><c>dataset export</c> against the real cloud app with reviewed items.</summary>
public sealed class DatasetCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestCli _cli = new();

    public void Dispose()
    {
        _cli.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Export_ReviewedItems_WritesLabelsThatAreTheBoxesGiven()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        ReviewItems.AddPart(cloud, "cam-1", 1, [ReviewItems.Box(0.55, 160, 120, 320, 360)], line: "line-a");
        ReviewItems.AddPart(cloud, "cam-1", 2, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-a");
        ReviewItems.AddPart(cloud, "cam-1", 3, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-a");
        ReviewItems.AddPart(cloud, "cam-2", 4, [ReviewItems.Box(0.55, 1, 1, 9, 9)], line: "line-b");
        var reviewer = cloud.Client(cloud.TokenFor("ann", AccountRoles.Operator));
        await ActAsync(reviewer, "cam-1/1", "accept", new ReviewActionRequest(["glare"], null));
        await ActAsync(reviewer, "cam-1/2", "fix", new ReviewActionRequest(null, [new(12, [new(0, 0, 0, 64, 48), new(0, 576, 432, 640, 480)])]));
        await ActAsync(reviewer, "cam-1/3", "reject", null);
        await ActAsync(reviewer, "cam-2/4", "accept", null);
        var output = Path.Combine(_directory.Path, "dataset");

        var exit = await _cli.RunAsync(
            "dataset", "export", "--out", output, "--line", "line-a", "--api", cloud.ApiUri.ToString(), "--token", cloud.TokenFor("eve", AccountRoles.Engineer));

        Assert.True(exit == ExitCodes.Ok, _cli.Error);
        Assert.Contains("Wrote 3 images", _cli.Output);
        string Label(string item, string name) =>
            File.ReadAllText(Path.Combine(output, "labels", ReviewDatasetExporter.SplitOf(item), $"{name}.txt"));
        Assert.Equal("0 0.375 0.5 0.25 0.5\n", Label("cam-1/1", "cam-1_1_11"));
        Assert.Equal("0 0.05 0.05 0.1 0.1\n0 0.95 0.95 0.1 0.1\n", Label("cam-1/2", "cam-1_2_12"));
        Assert.Equal(string.Empty, Label("cam-1/3", "cam-1_3_13"));
        Assert.True(File.Exists(Path.Combine(output, "images", ReviewDatasetExporter.SplitOf("cam-1/2"), "cam-1_2_12.jpg")));
        Assert.False(Directory.EnumerateFiles(output, "cam-2_*", SearchOption.AllDirectories).Any());
        Assert.Contains("names:\n  0: 'scratch'", File.ReadAllText(Path.Combine(output, "data.yaml")));
        var provenance = File.ReadAllLines(Path.Combine(output, "provenance.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["accept", "fix", "reject"], provenance.Select(p => p.GetProperty("action").GetString()));
        Assert.All(provenance, p => Assert.Equal("ann", p.GetProperty("reviewer").GetString()));
    }

    [Fact]
    public async Task Export_OutFolderNotEmptyOrAnOperatorsToken_IsRefusedAndNothingIsWritten()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var taken = Directory.CreateDirectory(Path.Combine(_directory.Path, "taken")).FullName;
        File.WriteAllText(Path.Combine(taken, "data.yaml"), "mine");
        var fresh = Path.Combine(_directory.Path, "fresh");

        var notEmpty = await _cli.RunAsync("dataset", "export", "--out", taken, "--api", cloud.ApiUri.ToString(), "--token", cloud.TokenFor("eve", AccountRoles.Engineer));
        var operatorExit = await _cli.RunAsync("dataset", "export", "--out", fresh, "--api", cloud.ApiUri.ToString(), "--token", cloud.TokenFor("ann", AccountRoles.Operator));
        var badTime = await _cli.RunAsync("dataset", "export", "--out", fresh, "--since", "last week", "--api", cloud.ApiUri.ToString());

        Assert.Equal(ExitCodes.BadArguments, notEmpty);
        Assert.Contains("is not empty", _cli.Error);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(taken, "data.yaml")));
        Assert.Equal(ExitCodes.NotAuthorized, operatorExit);
        Assert.False(Directory.Exists(fresh));
        Assert.Equal(ExitCodes.BadArguments, badTime);
        Assert.Contains("--since 'last week' is not a time", _cli.Error);
    }

    private static async Task ActAsync(HttpClient client, string key, string action, ReviewActionRequest? body)
    {
        using var response = await client.PostAsJsonAsync($"api/review/items/{key}/{action}", body ?? new ReviewActionRequest(null, null), TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
