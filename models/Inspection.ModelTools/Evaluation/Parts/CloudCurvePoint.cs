namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>The cloud band at one point of its curve, the edge settings fixed.</summary>
/// <param name="Lower">The cloud's lower edge.</param>
/// <param name="Upper">The cloud's upper edge.</param>
/// <param name="Escalated">Parts escalated (the same at every point).</param>
/// <param name="LeftToPerson">Of those, parts the cloud left uncertain.</param>
/// <param name="LeftToPersonShare">Their share of the escalated parts, 0–1.</param>
/// <param name="DefectiveEscalated">Defective parts among the escalated ones.</param>
/// <param name="DefectivePassedByCloud">Defective escalated parts the cloud passed.</param>
/// <param name="CleanEscalated">Clean parts among the escalated ones.</param>
/// <param name="CleanRejectedByCloud">Clean escalated parts the cloud rejected.</param>
public sealed record CloudCurvePoint(
    float Lower, float Upper, int Escalated, int LeftToPerson, double LeftToPersonShare, int DefectiveEscalated, int DefectivePassedByCloud,
    int CleanEscalated = 0, int CleanRejectedByCloud = 0);
