using System.Globalization;
using System.Text;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>The part-level figures of <c>evaluate-map</c>: one clip of consecutive frames with one set of settings.</summary>
/// <param name="LineSeed">The line the clip came from.</param>
/// <param name="Frames">Consecutive frames evaluated.</param>
/// <param name="Settings">The bands, K and the whole-view rule.</param>
/// <param name="DetectionMargin"><c>Parts:DetectionMargin</c> in pixels.</param>
/// <param name="Score">What the cascade does to the parts.</param>
/// <param name="TrackerIds">Ids the tracker gave.</param>
/// <param name="EdgeMsPerFrame">Edge model per frame, milliseconds (CPU, this machine).</param>
/// <param name="TrackerMsPerFrame">Tracker per frame, milliseconds.</param>
/// <param name="CloudMsPerFrame">Cloud model per escalated frame, milliseconds, rendering included.</param>
public sealed record PartEvaluation(
    int LineSeed, int Frames, PartSettings Settings, float DetectionMargin, PartScore Score, int TrackerIds, double EdgeMsPerFrame, double TrackerMsPerFrame, double CloudMsPerFrame)
{
    /// <summary>The table <c>evaluate-map</c> prints.</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        var s = Score;
        var b = new StringBuilder();
        b.AppendLine(string.Create(c,
            $"Parts on {Frames} consecutive frames of line {LineSeed} (edge {Settings.EdgeBand.Lower:0.00}/{Settings.EdgeBand.Upper:0.00}, cloud {Settings.CloudBand.Lower:0.00}/{Settings.CloudBand.Upper:0.00}, K {Settings.MaxEscalatedFrames}, WholeViewsOnly {Settings.WholeViewsOnly}, margin {DetectionMargin:0} px):"));
        b.AppendLine(string.Create(c,
            $"  {s.Parts} parts entered and left ({s.Defective} defective), {TrackerIds} tracker ids, {s.Missed} parts without an id, {s.BeltEscalations} escalations of ids on bare belt"));
        b.AppendLine("                 defective-passed  clean-rejected  escalated        left-to-person        escalations/part  frames-sent");
        b.AppendLine(string.Create(c,
            $"  cascade        {s.Escapes,16}  {s.FalseRejects,14}  {s.Escalated,3} ({s.EscalatedShare,6:P1})  {s.LeftToPerson,3} ({s.LeftToPersonShare,6:P1} of esc.)  {s.EscalationsPerUncertainPart,16:0.00}  {s.EscalatedFrames,11}"));
        b.AppendLine(string.Create(c,
            $"  edge alone     {s.EdgeAloneEscapes,16}  {s.EdgeAloneFalseRejects,14}  {"-",12}  {s.Escalated,3} held (uncertain)"));
        b.AppendLine(string.Create(c,
            $"  cost per frame: edge {EdgeMsPerFrame:F1} ms, tracker {TrackerMsPerFrame:F2} ms; cloud {CloudMsPerFrame:F1} ms per escalated frame ({Environment.ProcessorCount} cores)"));
        return b.ToString();
    }
}
