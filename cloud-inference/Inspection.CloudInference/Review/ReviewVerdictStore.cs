using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Inspection.CloudInference.Storage;
using Inspection.Contracts.Mqtt;
using LiteDB;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Reviewed verdicts waiting for, or past, the broker (collection <c>review_verdicts</c> of the cloud database). A
/// verdict is stored pending before anything is published, so neither a broker outage nor a restart loses it.
/// </summary>
public sealed class ReviewVerdictStore
{
    /// <summary>The collection's name in the cloud database.</summary>
    public const string CollectionName = "review_verdicts";

    private readonly CloudDatabase _database;
    private readonly ILiteCollection<ReviewVerdictRecord> _verdicts;

    public ReviewVerdictStore(CloudDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _verdicts = database.Database.GetCollection<ReviewVerdictRecord>(CollectionName);
        _verdicts.EnsureIndex(v => v.Sent);
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

        if (_verdicts.FindById(record.Id) is { } existing)
        {
            added = false;
            return existing;
        }

        try
        {
            _verdicts.Insert(record);
        }
        catch (LiteException ex) when (ex.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            // The same review handed over twice at once: the other call stored it.
            added = false;
            return _verdicts.FindById(record.Id);
        }

        // LiteDB's log is written behind the call; the review is done only once its verdict survives a crash.
        _database.Database.Checkpoint();
        added = true;
        return record;
    }

    public ReviewVerdictRecord? Find(string id) => _verdicts.FindById(id);

    /// <summary>Verdicts the broker has not acknowledged yet, oldest first.</summary>
    public List<ReviewVerdictRecord> Pending(int max) =>
        _verdicts.Query().Where(v => !v.Sent).OrderBy(v => v.CreatedAt).Limit(max).ToList();

    public int CountPending() => _verdicts.Count(v => !v.Sent);

    /// <summary>Notes one publish of <paramref name="id"/>; <paramref name="acknowledgedAt"/> when the broker acknowledged it.</summary>
    public void Published(string id, DateTimeOffset? acknowledgedAt)
    {
        if (_verdicts.FindById(id) is not { } record)
        {
            return;
        }

        record.Attempts++;
        if (acknowledgedAt is { } at)
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
            record.Tags.Count == 0 ? null : record.Tags);
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
