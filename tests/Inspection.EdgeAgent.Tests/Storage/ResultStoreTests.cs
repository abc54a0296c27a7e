using Inspection.Detection;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.EdgeAgent.Tests.Storage;

public sealed class ResultStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void ApplyRetention_MoreThanMaxResults_DeletesTheOldestInBatches()
    {
        using var database = new EdgeDatabase(_temp.File("edge.db"));
        var store = new ResultStore(database, TestOptions.Of(new StorageOptions { MaxResults = 10, RetentionBatchSize = 4 }));
        for (var sequence = 1; sequence <= 20; sequence++)
        {
            store.Insert(new InspectionRecord { Id = sequence });
        }

        var first = store.ApplyRetention();
        var second = store.ApplyRetention(force: true);
        var third = store.ApplyRetention(force: true);
        var fourth = store.ApplyRetention(force: true);

        Assert.Equal([4, 4, 2, 0], new[] { first, second, third, fourth });
        Assert.Equal(10, store.Count());
        Assert.Null(store.Find(10));
        Assert.NotNull(store.Find(11));
        Assert.NotNull(store.Find(20));
    }

    [Fact]
    public void ApplyRetention_FewerInsertsThanABatch_DoesNothingUntilForced()
    {
        using var database = new EdgeDatabase(_temp.File("small.db"));
        var store = new ResultStore(database, TestOptions.Of(new StorageOptions { MaxResults = 1, RetentionBatchSize = 100 }));
        store.Insert(new InspectionRecord { Id = 1 });
        store.Insert(new InspectionRecord { Id = 2 });

        Assert.Equal(0, store.ApplyRetention());
        Assert.Equal(1, store.ApplyRetention(force: true));
        Assert.NotNull(store.Find(2));
    }

    [Fact]
    public void RecordCaptureError_IsStoredWithOriginAndReason()
    {
        using var database = new EdgeDatabase(_temp.File("errors.db"));
        var store = new ResultStore(database, TestOptions.Of(new StorageOptions()));

        store.RecordCaptureError("002.jpg", "not a readable JPEG or PNG image", DateTimeOffset.UnixEpoch);

        var error = Assert.Single(database.CaptureErrorCollection.FindAll());
        Assert.Equal("002.jpg", error.Origin);
        Assert.Equal(DateTime.UnixEpoch, error.At);
    }

    public void Dispose() => _temp.Dispose();
}
