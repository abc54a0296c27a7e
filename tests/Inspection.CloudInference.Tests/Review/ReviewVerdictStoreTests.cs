using Inspection.CloudInference.Review;
using Inspection.CloudInference.Storage;
using Inspection.CloudInference.Tests.Infrastructure;
using LiteDB;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Inspection.CloudInference.Tests.Review.ReviewVerdictDeliveryTests;

namespace Inspection.CloudInference.Tests.Review;

/// <summary>The verdict store's totals per device for the fleet view, on a LiteDB file.</summary>
public sealed class ReviewVerdictStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();
    private readonly CloudDatabase _database;
    private readonly ReviewVerdictStore _store;

    public ReviewVerdictStoreTests()
    {
        _database = new CloudDatabase(
            Options.Create(new CloudOptions { StoragePath = "cloud.db" }),
            new HostingEnvironment { ContentRootPath = _directory.Path },
            NullLogger<CloudDatabase>.Instance);
        _store = new ReviewVerdictStore(_database);
    }

    public void Dispose()
    {
        _database.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void DeliveryTotals_VerdictsInEveryState_CountedPerDeviceWithTheLastConfirmedNumber()
    {
        var ids = Enumerable.Range(0, 5).Select(i => _store.Add(Reviewed(42, "accept", Now.AddMinutes(i)), Now.AddMinutes(i), out _).Id).ToList();
        _store.Add(Reviewed(42, "accept") with { DeviceId = "cam-2", EscalationKey = "cam-2/42" }, Now.AddMinutes(10), out _);
        foreach (var id in ids.Take(4))
        {
            _store.Published(id, Now.AddMinutes(5), acknowledged: true);
        }

        Assert.Equal(2, _store.Confirm(DeviceId, through: 2, Now.AddMinutes(6)));

        var totals = _store.DeliveryTotals();

        Assert.Equal(new DeviceVerdictTotals(Issued: 5, Pending: 1, Sent: 2, LastConfirmedNumber: 2, OldestUnconfirmedAt: Now.AddMinutes(2)), totals[DeviceId]);
        Assert.Equal(2, totals[DeviceId].Confirmed);
        Assert.Equal(new DeviceVerdictTotals(1, 1, 0, 0, Now.AddMinutes(10)), totals["cam-2"]);
    }

    [Fact]
    public void DeliveryTotals_EveryVerdictConfirmed_UpToDateWithoutReadingThem()
    {
        _store.Add(Reviewed(42, "accept"), Now, out _);
        _store.Add(Reviewed(42, "reject", Now.AddMinutes(1)), Now, out _);
        _store.Confirm(DeviceId, through: 2, Now);

        Assert.Equal(new DeviceVerdictTotals(2, 0, 0, 2, null), _store.DeliveryTotals()[DeviceId]);
    }

    [Fact]
    public void DeliveryTotals_UnconfirmedQuery_ReadsThroughTheConfirmedIndexNotEveryVerdict()
    {
        var plan = _database.Database.GetCollection<ReviewVerdictRecord>(ReviewVerdictStore.CollectionName)
            .Query().Where(v => !v.Confirmed).GetPlan();

        Assert.Equal("Confirmed", plan["index"]["name"].AsString);
        Assert.StartsWith("INDEX SEEK", plan["index"]["mode"].AsString, StringComparison.Ordinal);
    }
}
