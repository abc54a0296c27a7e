namespace Inspection.Contracts.Api;

/// <summary>Totals over everything the cloud has stored (<c>GET /api/summary</c>).</summary>
/// <param name="EscalationsStored">Escalations stored, one per idempotency key.</param>
/// <param name="DuplicatesAnswered">Re-sent frames answered from the store without running the model.</param>
/// <param name="Rejected">Frames refused with an error (kept in the rejected collection).</param>
/// <param name="Pass">Stored escalations the cloud judged pass.</param>
/// <param name="Defect">Stored escalations the cloud judged defect.</param>
/// <param name="Uncertain">Stored escalations still uncertain: the review queue.</param>
public sealed record EscalationSummary(
    long EscalationsStored,
    long DuplicatesAnswered,
    long Rejected,
    long Pass,
    long Defect,
    long Uncertain);
