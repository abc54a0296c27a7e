namespace Inspection.EdgeAgent.Inspection;

/// <summary>What the shadow frames showed: how often the candidate decided as the current model did.</summary>
/// <param name="Frames">Frames both models saw.</param>
/// <param name="Agreed">Frames on which both decided the same (pass, defect or uncertain).</param>
/// <param name="CandidateErrors">Frames the candidate failed on.</param>
public sealed record ShadowResult(int Frames, int Agreed, int CandidateErrors)
{
    /// <summary>Share of frames agreed on (1 when there were none).</summary>
    public double Agreement => Frames == 0 ? 1 : (double)Agreed / Frames;
}
