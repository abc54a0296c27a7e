namespace Inspection.CloudInference.Escalations;

/// <summary>How often the cloud's verdict contradicted a device's model on the frames it escalated.</summary>
/// <param name="Judged">Escalations the cloud decided (pass or defect).</param>
/// <param name="Contradicted">Of those, the ones where the cloud decided against the edge's leaning.</param>
public sealed record Disagreement(int Judged, int Contradicted)
{
    /// <summary>Share contradicted (0 when nothing was judged).</summary>
    public double Rate => Judged == 0 ? 0 : (double)Contradicted / Judged;
}
