using Inspection.CloudInference.Review;
using static Inspection.CloudInference.Tests.Review.ReviewVerdictDeliveryTests;

namespace Inspection.CloudInference.Tests.Review;

/// <summary>
/// The verdict store's numbering, confirmation and totals per device for the fleet view, whatever keeps the verdicts:
/// run on a LiteDB file (<see cref="LiteDbReviewVerdictStoreTests"/>) and a real PostgreSQL (<see cref="PostgreSqlReviewVerdictStoreTests"/>).
/// </summary>
public abstract class ReviewVerdictStoreTests
{
    protected static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A new, empty store; disposed by the derived class.</summary>
    protected abstract Task<ReviewVerdictStore> CreateStoreAsync();

    [Fact]
    public async Task Add_SameReviewTwice_OneVerdictWithOneNumberAndTheNextReviewTheNextNumber()
    {
        var store = await CreateStoreAsync();
        var first = store.Add(Reviewed(42, "accept"), Now, out var added);
        var again = store.Add(Reviewed(42, "accept"), Now.AddMinutes(1), out var addedAgain);
        var next = store.Add(Reviewed(43, "reject"), Now.AddMinutes(2), out _);

        Assert.True(added);
        Assert.False(addedAgain);
        Assert.Equal((first.Id, 1L, Now), (again.Id, again.Number, again.CreatedAt));
        Assert.Equal(2, next.Number);
        Assert.Equal(2, store.Issued(DeviceId));
        Assert.Equal(0, store.Issued("cam-unknown"));
        Assert.Equal([first.Id, next.Id], store.Pending(10).Select(v => v.Id));
    }

    [Fact]
    public async Task Published_AcknowledgedThenConfirmed_MovesFromPendingToSentToConfirmed()
    {
        var store = await CreateStoreAsync();
        var verdict = store.Add(Reviewed(42, "fix"), Now, out _);

        store.Published(verdict.Id, Now.AddSeconds(1), acknowledged: false);
        Assert.Equal((1, 0), (store.CountPending(), store.Unconfirmed(10).Count));
        store.Published(verdict.Id, Now.AddSeconds(2), acknowledged: true);
        var sent = Assert.Single(store.Unconfirmed(10));
        Assert.Equal((2, Now.AddSeconds(2), "sent"), (sent.Attempts, sent.SentAt, sent.Status));
        Assert.Equal([DeviceId], store.DevicesAwaitingConfirmation());

        Assert.Equal(1, store.Confirm(DeviceId, through: 1, Now.AddSeconds(3)));
        Assert.Equal(0, store.Confirm(DeviceId, through: 1, Now.AddSeconds(4)));
        var confirmed = store.Find(verdict.Id)!;
        Assert.Equal(("confirmed", Now.AddSeconds(3), Now.AddSeconds(2)), (confirmed.Status, confirmed.ConfirmedAt, confirmed.SentAt));
        Assert.Equal(0, store.CountUnconfirmed());
        Assert.Empty(store.DevicesAwaitingConfirmation());
    }

    [Fact]
    public async Task DeliveryTotals_VerdictsInEveryState_CountedPerDeviceWithTheLastConfirmedNumber()
    {
        var store = await CreateStoreAsync();
        var ids = Enumerable.Range(0, 5).Select(i => store.Add(Reviewed(42, "accept", Now.AddMinutes(i)), Now.AddMinutes(i), out _).Id).ToList();
        store.Add(Reviewed(42, "accept") with { DeviceId = "cam-2", EscalationKey = "cam-2/42" }, Now.AddMinutes(10), out _);
        foreach (var id in ids.Take(4))
        {
            store.Published(id, Now.AddMinutes(5), acknowledged: true);
        }

        Assert.Equal(2, store.Confirm(DeviceId, through: 2, Now.AddMinutes(6)));

        var totals = store.DeliveryTotals();

        Assert.Equal(new DeviceVerdictTotals(Issued: 5, Pending: 1, Sent: 2, LastConfirmedNumber: 2, OldestUnconfirmedAt: Now.AddMinutes(2)), totals[DeviceId]);
        Assert.Equal(2, totals[DeviceId].Confirmed);
        Assert.Equal(new DeviceVerdictTotals(1, 1, 0, 0, Now.AddMinutes(10)), totals["cam-2"]);
    }

    [Fact]
    public async Task DeliveryTotals_EveryVerdictConfirmed_UpToDateWithoutReadingThem()
    {
        var store = await CreateStoreAsync();
        store.Add(Reviewed(42, "accept"), Now, out _);
        store.Add(Reviewed(42, "reject", Now.AddMinutes(1)), Now, out _);
        store.Confirm(DeviceId, through: 2, Now);

        Assert.Equal(new DeviceVerdictTotals(2, 0, 0, 2, null), store.DeliveryTotals()[DeviceId]);
    }
}
