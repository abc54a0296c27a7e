namespace Inspection.Contracts.Rollouts;

/// <summary>How one model decided the reviewed parts, against the reviewers.</summary>
/// <param name="Right">Parts it decided as the reviewers did (defect or pass).</param>
/// <param name="Escapes">Reviewed defective parts it passed.</param>
/// <param name="FalseRejects">Reviewed clean parts it rejected.</param>
/// <param name="Uncertain">Parts it left uncertain (escalated to the cloud; neither right nor wrong).</param>
public sealed record ReviewCheckCounts(int Right, int Escapes, int FalseRejects, int Uncertain);
