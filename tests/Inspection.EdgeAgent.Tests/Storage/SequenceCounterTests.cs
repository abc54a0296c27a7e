using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.EdgeAgent.Tests.Storage;

public sealed class SequenceCounterTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void Next_AfterReopeningTheDatabase_ContinuesAboveEveryNumberHandedOut()
    {
        var path = _temp.File("edge.db");
        var handedOut = new List<long>();
        using (var database = new EdgeDatabase(path))
        {
            var counter = new SequenceCounter(database, Options(blockSize: 4));
            for (var i = 0; i < 6; i++)
            {
                handedOut.Add(counter.Next());
            }
        }

        using (var database = new EdgeDatabase(path))
        {
            var counter = new SequenceCounter(database, Options(blockSize: 4));
            handedOut.Add(counter.Next());
        }

        Assert.Equal(handedOut.Order(), handedOut);
        Assert.Equal(handedOut.Count, handedOut.Distinct().Count());
        Assert.True(handedOut[^1] > handedOut[^2]);
    }

    [Fact]
    public void Next_FreshDatabase_StartsAtOneAndGrowsByOne()
    {
        using var database = new EdgeDatabase(_temp.File("fresh.db"));
        var counter = new SequenceCounter(database, Options(blockSize: 1000));

        Assert.Equal([1L, 2L, 3L], new[] { counter.Next(), counter.Next(), counter.Next() });
        Assert.Equal(3, counter.Last);
    }

    [Fact]
    public void Constructor_StoredResultsAboveTheCounter_ContinuesAboveTheResults()
    {
        // A database restored from an older backup of the counter must still never reuse a stored key.
        using var database = new EdgeDatabase(_temp.File("restored.db"));
        database.ResultCollection.Insert(new InspectionRecord { Id = 5000 });
        database.OutboxCollection.Insert(new OutboxEntry { Id = 7000 });

        var counter = new SequenceCounter(database, Options(blockSize: 10));

        Assert.Equal(7001, counter.Next());
    }

    [Fact]
    public void Next_ReservesItsBlockOnDiskBeforeHandingOutANumber()
    {
        using var database = new EdgeDatabase(_temp.File("reserve.db"));
        var counter = new SequenceCounter(database, Options(blockSize: 100));

        counter.Next();

        Assert.Equal(100, database.CounterCollection.FindById("sequence")["reservedUpTo"].AsInt64);
    }

    private static Microsoft.Extensions.Options.IOptions<StorageOptions> Options(int blockSize) =>
        TestOptions.Of(new StorageOptions { SequenceBlockSize = blockSize });

    public void Dispose() => _temp.Dispose();
}
