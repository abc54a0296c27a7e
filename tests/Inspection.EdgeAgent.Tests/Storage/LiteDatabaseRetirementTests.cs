using Inspection.LiteDb;
using LiteDB;

namespace Inspection.EdgeAgent.Tests.Storage;

/// <summary>
/// The retirement reaches LiteDB's table of open transactions by reflection; on a LiteDB that keeps it elsewhere it
/// would quietly do nothing, so the pinned version is checked here (an upgrade fails this test, not a line at night).
/// </summary>
public sealed class LiteDatabaseRetirementTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TransactionTable_PinnedLiteDb_IsFound()
    {
        using var database = new LiteDatabase(new ConnectionString { Filename = _temp.File("table.db"), Connection = ConnectionType.Direct });

        Assert.NotNull(LiteDatabaseRetirement.TransactionTable(database));
    }
}
