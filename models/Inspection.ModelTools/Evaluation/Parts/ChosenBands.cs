using System.Text.Json;
using Inspection.ModelTools.Evaluation.Cascade;

namespace Inspection.ModelTools.Evaluation.Parts;

/// <summary>What <c>choose-bands</c> chose and on what; written as <c>bands.json</c> and read by <c>evaluate-map --bands</c>.</summary>
/// <param name="EdgeLower"><c>Decision:Lower</c>.</param>
/// <param name="EdgeUpper"><c>Decision:Upper</c>.</param>
/// <param name="CloudLower"><c>Cloud:Decision:Lower</c>.</param>
/// <param name="CloudUpper"><c>Cloud:Decision:Upper</c>.</param>
/// <param name="MaxEscalatedFrames"><c>Parts:MaxEscalatedFrames</c> (K).</param>
/// <param name="WholeViewsOnly"><c>Parts:WholeViewsOnly</c>.</param>
/// <param name="DetectionMargin"><c>Parts:DetectionMargin</c> the choice was made with (not swept).</param>
/// <param name="NmsIou"><c>Detector:IouThreshold</c> the chosen settings were measured with.</param>
/// <param name="Lines">The line seeds chosen on.</param>
/// <param name="PartFramesPerLine">Consecutive frames per line of the part-level evaluation.</param>
/// <param name="MapFramesPerLine">Sampled frames per line of the frame-level mAP.</param>
/// <param name="Choice">The chosen point and how many settings were scored and met the constraints.</param>
/// <param name="PerNmsIou">The best settings per NMS overlap tried (null where none met the constraints).</param>
/// <param name="CloudCurve">The cloud band's curve for the chosen edge settings.</param>
/// <param name="Rejected">Settings that did not meet the constraints.</param>
public sealed record ChosenBands(
    float EdgeLower, float EdgeUpper, float CloudLower, float CloudUpper, int MaxEscalatedFrames, bool WholeViewsOnly, float DetectionMargin, float NmsIou,
    IReadOnlyList<int> Lines, int PartFramesPerLine, int MapFramesPerLine, PartChoice Choice, IReadOnlyList<PartChoice> PerNmsIou,
    IReadOnlyList<CloudCurvePoint> CloudCurve, int Rejected)
{
    public const string FileName = "bands.json";

    public const string CurveFileName = "cloud-band.png";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a <c>bands.json</c>.</summary>
    /// <exception cref="InvalidDataException">The file holds no chosen settings.</exception>
    public static ChosenBands Read(string path)
    {
        var bands = JsonSerializer.Deserialize<ChosenBands>(File.ReadAllText(path), JsonOptions);
        return bands ?? throw new InvalidDataException($"'{path}' holds no chosen bands; write it with 'choose-bands'.");
    }

    internal static void Write(string directory, ChosenBands bands, byte[] curvePng)
    {
        Directory.CreateDirectory(directory);
        EvaluationOutput.WriteAtomically(Path.Combine(directory, FileName), System.Text.Encoding.UTF8.GetBytes(bands.ToJson()));
        EvaluationOutput.WriteAtomically(Path.Combine(directory, CurveFileName), curvePng);
    }
}
