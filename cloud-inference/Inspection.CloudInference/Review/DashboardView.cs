namespace Inspection.CloudInference.Review;

/// <summary>The answer of <c>GET /api/review/dashboard</c>.</summary>
/// <param name="From">Start of the first hour.</param>
/// <param name="To">End of the last hour.</param>
/// <param name="Lines">Every line with escalations in the range or waiting items.</param>
/// <param name="EscalationRateNote">What the escalation rate can and cannot say.</param>
public sealed record DashboardView(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<DashboardLine> Lines, string EscalationRateNote);
