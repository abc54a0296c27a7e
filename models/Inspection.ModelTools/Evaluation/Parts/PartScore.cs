namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>What the edge–cloud cascade does to whole parts (see <see cref="PartScorer"/>); figures add up over clips.</summary>
/// <param name="Parts">True parts scored: they entered and left within the clip.</param>
/// <param name="Defective">Of those, parts carrying a defect.</param>
/// <param name="Escapes">Defective parts the cascade passes (the edge passed them, or the cloud did), or the tracker never saw.</param>
/// <param name="FalseRejects">Clean parts the cascade rejects (the edge or the cloud).</param>
/// <param name="Escalated">Parts with at least one tracker id escalated to the cloud.</param>
/// <param name="LeftToPerson">Parts the cloud left uncertain: a review item for a person.</param>
/// <param name="Escalations">Escalations of those parts (a part the tracker split escalates once per id).</param>
/// <param name="EscalatedFrames">Frames sent to the cloud for those parts.</param>
/// <param name="EdgeAloneEscapes">Defective parts the edge passes by itself (the escapes if nothing were escalated).</param>
/// <param name="EdgeAloneFalseRejects">Clean parts the edge rejects by itself.</param>
/// <param name="Missed">Parts no tracker id was mapped to.</param>
/// <param name="DefectiveEscalated">Defective parts among the escalated ones.</param>
/// <param name="BeltEscalations">Escalations of tracker ids that lie mostly on bare belt (cost, no part).</param>
public sealed record PartScore(
    int Parts, int Defective, int Escapes, int FalseRejects, int Escalated, int LeftToPerson, int Escalations, int EscalatedFrames,
    int EdgeAloneEscapes, int EdgeAloneFalseRejects, int Missed, int DefectiveEscalated, int BeltEscalations)
{
    public static PartScore Zero { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Share of the parts escalated, 0–1.</summary>
    public double EscalatedShare => Parts == 0 ? 0 : (double)Escalated / Parts;

    /// <summary>Share of the escalated parts the cloud left to a person, 0–1.</summary>
    public double LeftToPersonShare => Escalated == 0 ? 0 : (double)LeftToPerson / Escalated;

    /// <summary>Escalations per escalated part: above 1 where the tracker split a part.</summary>
    public double EscalationsPerUncertainPart => Escalated == 0 ? 0 : (double)Escalations / Escalated;

    public PartScore Add(PartScore other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(
            Parts + other.Parts, Defective + other.Defective, Escapes + other.Escapes, FalseRejects + other.FalseRejects,
            Escalated + other.Escalated, LeftToPerson + other.LeftToPerson, Escalations + other.Escalations,
            EscalatedFrames + other.EscalatedFrames, EdgeAloneEscapes + other.EdgeAloneEscapes,
            EdgeAloneFalseRejects + other.EdgeAloneFalseRejects, Missed + other.Missed, DefectiveEscalated + other.DefectiveEscalated, BeltEscalations + other.BeltEscalations);
    }
}
