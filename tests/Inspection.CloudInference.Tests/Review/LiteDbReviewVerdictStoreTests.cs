using Inspection.CloudInference.Review;
using Inspection.CloudInference.Storage;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Tests.Review;

/// <summary>The verdict store on a LiteDB file, and what only the file must do: read the unconfirmed through an index.</summary>
public sealed class LiteDbReviewVerdictStoreTests : ReviewVerdictStoreTests, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly CloudDatabase _database;

    public LiteDbReviewVerdictStoreTests()
    {
        _database = new CloudDatabase(
            Options.Create(new CloudOptions { StoragePath = "cloud.db" }),
            new HostingEnvironment { ContentRootPath = _directory.Path },
            NullLogger<CloudDatabase>.Instance);
    }

    public void Dispose()
    {
        _database.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void DeliveryTotals_UnconfirmedQuery_ReadsThroughTheConfirmedIndexNotEveryVerdict()
    {
        _ = new ReviewVerdictStore(_database);
        var plan = _database.Database.GetCollection<ReviewVerdictRecord>(ReviewVerdictStore.CollectionName)
            .Query().Where(v => !v.Confirmed).GetPlan();

        Assert.Equal("Confirmed", plan["index"]["name"].AsString);
        Assert.StartsWith("INDEX SEEK", plan["index"]["mode"].AsString, StringComparison.Ordinal);
    }

    protected override Task<ReviewVerdictStore> CreateStoreAsync() => Task.FromResult(new ReviewVerdictStore(_database));
}
