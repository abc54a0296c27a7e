using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Inspection.CloudInference.Storage;
using Inspection.Contracts.Mqtt;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Reviewed verdicts on their way to the devices (<see cref="IReviewVerdictTable"/>: collection <c>review_verdicts</c> of
/// the LiteDB file, or the PostgreSQL table every replica shares), each numbered in its device's series. A verdict is
/// stored pending before anything is published and kept until the device confirms it, so neither a broker outage, a
/// broker that drops it, nor a restart loses it.
/// </summary>
public sealed class ReviewVerdictStore
{
    /// <summary>The collection's name in the cloud database.</summary>
    public const string CollectionName = "review_verdicts";

    /// <summary>The per-device counters' collection.</summary>
    public const string CounterCollectionName = "review_verdict_numbers";

    private readonly IReviewVerdictTable _table;

    /// <summary>Verdicts in the cloud's LiteDB file.</summary>
    public ReviewVerdictStore(CloudDatabase database)
        : this(new LiteDbReviewVerdictTable(database))
    {
    }

    public ReviewVerdictStore(IReviewVerdictTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
    }

    /// <summary>
    /// Stores the verdict of <paramref name="reviewed"/> as pending, on disk when this returns, once: the same review stored again is the same
    /// verdict (its id derives from the review), returned with <paramref name="added"/> false.
    /// </summary>
    /// <exception cref="ArgumentException">The review cannot become a valid verdict (the message says which field).</exception>
    public ReviewVerdictRecord Add(ReviewedPart reviewed, DateTimeOffset now, out bool added)
    {
        ArgumentNullException.ThrowIfNull(reviewed);
        var record = new ReviewVerdictRecord
        {
            Id = IdOf(reviewed),
            DeviceId = reviewed.DeviceId,
            LineId = reviewed.LineId,
            EscalationKey = reviewed.EscalationKey,
            Sequence = reviewed.Sequence,
            IsPart = reviewed.IsPart,
            Verdict = reviewed.Verdict,
            Action = reviewed.Action,
            Reviewer = reviewed.Reviewer,
            ReviewedAt = reviewed.ReviewedAt,
            Tags = reviewed.Tags is { Count: > 0 } tags ? [.. tags] : [],
            CreatedAt = now,
        };

        // Checked with the devices' own parser: a verdict the cloud accepts here is one every device can read.
        if (!MqttPayloads.TryParseVerdict(MqttPayloads.Serialize(ToContract(record)), out _, out var error))
        {
            throw new ArgumentException($"The review of {reviewed.EscalationKey} cannot be sent to its device: {error}.", nameof(reviewed));
        }

        if (_table.TryInsertNumbered(record))
        {
            added = true;
            return record;
        }

        // The same review handed over twice (here, or on another replica at the same moment) keeps its one verdict.
        added = false;
        return _table.Find(record.Id) ?? throw new InvalidOperationException($"Verdict {record.Id} was stored and is gone.");
    }

    public ReviewVerdictRecord? Find(string id) => _table.Find(id);

    /// <summary>Verdicts the broker has not acknowledged yet, oldest first.</summary>
    public List<ReviewVerdictRecord> Pending(int max) => _table.Pending(max);

    public int CountPending() => _table.CountPending();

    /// <summary>Verdicts the broker took but the device has not confirmed yet, oldest first.</summary>
    public List<ReviewVerdictRecord> Unconfirmed(int max) => _table.Unconfirmed(max);

    /// <summary>Verdicts not confirmed by their device yet, pending or sent.</summary>
    public int CountUnconfirmed() => _table.CountUnconfirmed();

    /// <summary>The devices with a verdict they have not confirmed yet.</summary>
    public IReadOnlyCollection<string> DevicesAwaitingConfirmation() =>
        _table.AllUnconfirmed().Select(v => v.DeviceId).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Each device's verdicts by state, for the fleet view. Reads one counter per device and only the unconfirmed
    /// verdicts, never the confirmed ones, which pile up for good: the confirmed
    /// count and the last confirmed number follow from the counter, since every number issued is one stored verdict.
    /// </summary>
    public IReadOnlyDictionary<string, DeviceVerdictTotals> DeliveryTotals()
    {
        var unconfirmed = new Dictionary<string, List<ReviewVerdictRecord>>(StringComparer.Ordinal);
        foreach (var record in _table.AllUnconfirmed())
        {
            if (!unconfirmed.TryGetValue(record.DeviceId, out var list))
            {
                unconfirmed[record.DeviceId] = list = [];
            }

            list.Add(record);
        }

        var totals = new Dictionary<string, DeviceVerdictTotals>(StringComparer.Ordinal);
        foreach (var (deviceId, last) in _table.IssuedPerDevice())
        {
            if (!unconfirmed.TryGetValue(deviceId, out var open))
            {
                totals[deviceId] = new DeviceVerdictTotals(last, 0, 0, last, null);
                continue;
            }

            // Every number 1..Last is a stored verdict: the highest one not among the unconfirmed is the last confirmed.
            var numbers = open.Select(v => v.Number).ToHashSet();
            var lastConfirmed = last;
            while (lastConfirmed > 0 && numbers.Contains(lastConfirmed))
            {
                lastConfirmed--;
            }

            var sent = open.Count(v => v.Sent);
            totals[deviceId] = new DeviceVerdictTotals(last, open.Count - sent, sent, lastConfirmed, open.Min(v => v.CreatedAt));
        }

        return totals;
    }

    /// <summary>The last number issued to <paramref name="deviceId"/>; 0 when none was.</summary>
    public long Issued(string deviceId) => _table.Issued(deviceId);

    /// <summary>
    /// Marks every unconfirmed verdict of <paramref name="deviceId"/> numbered 1..<paramref name="through"/> confirmed
    /// (also one whose broker acknowledgement was lost); returns how many.
    /// </summary>
    public int Confirm(string deviceId, long through, DateTimeOffset now) => _table.Confirm(deviceId, through, now);

    /// <summary>Notes one publish of <paramref name="id"/> at <paramref name="at"/>, acknowledged by the broker or not.</summary>
    public void Published(string id, DateTimeOffset at, bool acknowledged) => _table.Published(id, at, acknowledged);

    /// <summary>The wire form of a stored verdict.</summary>
    public static ReviewVerdict ToContract(ReviewVerdictRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new ReviewVerdict(
            MqttPayloads.SchemaVersion,
            record.Id,
            record.DeviceId,
            record.EscalationKey,
            record.Sequence,
            record.IsPart,
            record.Verdict,
            record.Action,
            record.Reviewer,
            record.ReviewedAt,
            record.Tags.Count == 0 ? null : record.Tags,
            record.Number);
    }

    // Not random: a review handed over twice (a retry after a crash) must stay one verdict, here and on the device.
    private static string IdOf(ReviewedPart reviewed)
    {
        var text = string.Join(
            '\n',
            reviewed.EscalationKey,
            reviewed.ReviewedAt.UtcTicks.ToString(CultureInfo.InvariantCulture),
            reviewed.Verdict,
            reviewed.Action,
            reviewed.Reviewer);
        return "rv-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];
    }
}
