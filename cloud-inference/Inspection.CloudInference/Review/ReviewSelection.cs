using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Inspection.CloudInference.Escalations;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Review;

/// <summary>
/// Which escalations a person reviews: every one the cloud left uncertain, every one from a line listed in
/// <c>Cloud:Review:AllOnLines</c>, and a hash-chosen <c>Cloud:Review:SampleShare</c> of those the cloud decided.
/// The one place the queue, an item's lookup, the backlog and the dashboard ask.
/// </summary>
public sealed class ReviewSelection
{
    private readonly IEscalationStore _escalations;
    private readonly HashSet<string> _allOnLines;
    private readonly double _sampleShare;

    public ReviewSelection(IEscalationStore escalations, IOptions<ReviewOptions> options)
    {
        _escalations = escalations;
        _allOnLines = options.Value.AllOnLines.ToHashSet(StringComparer.Ordinal);
        _sampleShare = options.Value.SampleShare;
    }

    /// <summary>Whether only what the cloud left uncertain is reviewed (the default): the store can then be asked for those alone.</summary>
    private bool UncertainOnly => _allOnLines.Count == 0 && _sampleShare <= 0;

    public bool Includes(StoredEscalation escalation) =>
        escalation.Verdict == Verdicts.Uncertain
        || _allOnLines.Contains(escalation.LineId)
        || (_sampleShare > 0 && Sampled(escalation.Key, _sampleShare));

    /// <summary>Every escalation in review, reviewed or not.</summary>
    public IEnumerable<StoredEscalation> Candidates() =>
        UncertainOnly ? _escalations.FindUncertain() : _escalations.FindAll().Where(Includes);

    /// <summary>Why an escalation is in review, in words for the page and the API.</summary>
    public string ReasonFor(StoredEscalation escalation) =>
        escalation.Verdict == Verdicts.Uncertain ? "the cloud is uncertain"
        : _allOnLines.Contains(escalation.LineId) ? $"every escalation of line {escalation.LineId} is reviewed"
        : "sampled to audit the cloud's verdict";

    /// <summary>True for about <paramref name="share"/> of all keys: the first 4 bytes of the key's SHA-256 as a fraction.</summary>
    public static bool Sampled(string key, double share)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return BinaryPrimitives.ReadUInt32BigEndian(hash) / (double)uint.MaxValue < share;
    }
}
