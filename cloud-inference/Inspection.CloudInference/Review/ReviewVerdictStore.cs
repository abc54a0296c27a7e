using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Inspection.CloudInference.Storage;
using Inspection.Contracts.Mqtt;
using LiteDB;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Reviewed verdicts on their way to the devices (collection <c>review_verdicts</c> of the cloud database), each numbered
/// in its device's series (<c>review_verdict_numbers</c>). A verdict is stored pending before anything is published and
/// kept until the device confirms it, so neither a broker outage, a broker that drops it, nor a restart loses it.
/// </summary>
public sealed class ReviewVerdictStore
{
    /// <summary>The collection's name in the cloud database.</summary>
    public const string CollectionName = "review_verdicts";

    /// <summary>The per-device counters' collection.</summary>
    public const string CounterCollectionName = "review_verdict_numbers";

    private readonly CloudDatabase _database;
    private readonly ILiteCollection<ReviewVerdictRecord> _verdicts;
    private readonly ILiteCollection<ReviewVerdictCounter> _counters;

    // Numbers are issued read-then-write; one writer at a time keeps them unique and gap-free.
    private readonly Lock _issue = new();

    public ReviewVerdictStore(CloudDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _verdicts = database.Database.GetCollection<ReviewVerdictRecord>(CollectionName);
        _counters = database.Database.GetCollection<ReviewVerdictCounter>(CounterCollectionName);
        _verdicts.EnsureIndex(v => v.Sent);
        _verdicts.EnsureIndex(v => v.Confirmed);
        NumberUnnumbered();
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

        lock (_issue)
        {
            // Looked up under the lock: the same review handed over twice at once keeps its one number.
            if (_verdicts.FindById(record.Id) is { } existing)
            {
                added = false;
                return existing;
            }

            InsertNumbered(record);
        }

        // LiteDB's log is written behind the call; the review is done only once its verdict survives a crash.
        _database.Database.Checkpoint();
        added = true;
        return record;
    }

    public ReviewVerdictRecord? Find(string id) => _verdicts.FindById(id);

    /// <summary>Verdicts the broker has not acknowledged yet, oldest first.</summary>
    public List<ReviewVerdictRecord> Pending(int max) =>
        _verdicts.Query().Where(v => !v.Sent && !v.Confirmed).OrderBy(v => v.CreatedAt).Limit(max).ToList();

    public int CountPending() => _verdicts.Count(v => !v.Sent && !v.Confirmed);

    /// <summary>Verdicts the broker took but the device has not confirmed yet, oldest first.</summary>
    public List<ReviewVerdictRecord> Unconfirmed(int max) =>
        _verdicts.Query().Where(v => v.Sent && !v.Confirmed).OrderBy(v => v.CreatedAt).Limit(max).ToList();

    /// <summary>Verdicts not confirmed by their device yet, pending or sent.</summary>
    public int CountUnconfirmed() => _verdicts.Count(v => !v.Confirmed);

    /// <summary>The devices with a verdict they have not confirmed yet.</summary>
    public IReadOnlyCollection<string> DevicesAwaitingConfirmation() =>
        _verdicts.Query().Where(v => !v.Confirmed).Select(v => v.DeviceId).ToEnumerable().ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Each device's verdicts by state, for the fleet view. Reads one counter per device and only the unconfirmed
    /// verdicts (through the <c>Confirmed</c> index), never the confirmed ones, which pile up for good: the confirmed
    /// count and the last confirmed number follow from the counter, since every number issued is one stored verdict.
    /// </summary>
    public IReadOnlyDictionary<string, DeviceVerdictTotals> DeliveryTotals()
    {
        var unconfirmed = new Dictionary<string, List<ReviewVerdictRecord>>(StringComparer.Ordinal);
        foreach (var record in _verdicts.Find(v => !v.Confirmed))
        {
            if (!unconfirmed.TryGetValue(record.DeviceId, out var list))
            {
                unconfirmed[record.DeviceId] = list = [];
            }

            list.Add(record);
        }

        var totals = new Dictionary<string, DeviceVerdictTotals>(StringComparer.Ordinal);
        foreach (var counter in _counters.FindAll())
        {
            if (!unconfirmed.TryGetValue(counter.DeviceId, out var open))
            {
                totals[counter.DeviceId] = new DeviceVerdictTotals(counter.Last, 0, 0, counter.Last, null);
                continue;
            }

            // Every number 1..Last is a stored verdict: the highest one not among the unconfirmed is the last confirmed.
            var numbers = open.Select(v => v.Number).ToHashSet();
            var lastConfirmed = counter.Last;
            while (lastConfirmed > 0 && numbers.Contains(lastConfirmed))
            {
                lastConfirmed--;
            }

            var sent = open.Count(v => v.Sent);
            totals[counter.DeviceId] = new DeviceVerdictTotals(counter.Last, open.Count - sent, sent, lastConfirmed, open.Min(v => v.CreatedAt));
        }

        return totals;
    }

    /// <summary>The last number issued to <paramref name="deviceId"/>; 0 when none was.</summary>
    public long Issued(string deviceId) => _counters.FindById(deviceId)?.Last ?? 0;

    /// <summary>
    /// Marks every unconfirmed verdict of <paramref name="deviceId"/> numbered 1..<paramref name="through"/> confirmed
    /// (also one whose broker acknowledgement was lost); returns how many.
    /// </summary>
    public int Confirm(string deviceId, long through, DateTimeOffset now)
    {
        var confirmed = 0;
        foreach (var record in _verdicts.Find(v => v.DeviceId == deviceId && !v.Confirmed && v.Number <= through))
        {
            record.Confirmed = true;
            record.ConfirmedAt = now;
            record.Sent = true;
            record.SentAt ??= now;
            _verdicts.Update(record);
            confirmed++;
        }

        return confirmed;
    }

    /// <summary>Notes one publish of <paramref name="id"/> at <paramref name="at"/>, acknowledged by the broker or not.</summary>
    public void Published(string id, DateTimeOffset at, bool acknowledged)
    {
        if (_verdicts.FindById(id) is not { } record)
        {
            return;
        }

        record.Attempts++;
        record.LastPublishedAt = at;
        if (acknowledged && !record.Sent)
        {
            record.Sent = true;
            record.SentAt = at;
        }

        _verdicts.Update(record);
    }

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

    // The verdict and its device's counter in one transaction: a number is issued exactly when its verdict is stored.
    private void InsertNumbered(ReviewVerdictRecord record)
    {
        var database = _database.Database;
        database.BeginTrans();
        try
        {
            var counter = _counters.FindById(record.DeviceId) ?? new ReviewVerdictCounter { DeviceId = record.DeviceId };
            counter.Last++;
            record.Number = counter.Last;
            _counters.Upsert(counter);
            _verdicts.Upsert(record);
            database.Commit();
        }
        catch
        {
            database.Rollback();
            record.Number = 0;
            throw;
        }
    }

    // Verdicts stored before numbering existed get numbers in the order they were stored, so they are confirmed too.
    private void NumberUnnumbered()
    {
        var unnumbered = _verdicts.Query().Where(v => v.Number == 0).OrderBy(v => v.CreatedAt).ToList();
        if (unnumbered.Count == 0)
        {
            return;
        }

        lock (_issue)
        {
            foreach (var record in unnumbered)
            {
                InsertNumbered(record);
            }
        }

        _database.Database.Checkpoint();
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
