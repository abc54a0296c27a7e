using Inspection.Detection;

namespace Inspection.ModelTools.Models;

/// <summary>
/// The project's two models. Calibration: each class's logit is <c>scale · (raw − midpoint)</c>, written as
/// scale and <c>−scale · midpoint</c>. The midpoint (score 0.5) sits in the middle of the faint defects' raw
/// responses and the scale puts every clean part below 0.2, both read off <c>evaluate --raw</c> on models built
/// with <c>build --uncalibrated</c> over seeds 101–103 (see models/README.md).
/// </summary>
public static class ModelCatalog
{
    /// <summary>Edge model: 320×320 input, so a 640×480 frame is seen at half resolution.</summary>
    public static ModelDesign Edge { get; } = new(
        FileName: "edge/inspection-edge.onnx",
        Description: "Inspection edge detector (hand-designed filter bank, 320x320)",
        Version: "1.0.0",
        InputSize: 320,
        Stride: 8,
        BlurSigma: 0.7,
        LineLength: 7,
        LineOffset: 2,
        BlobDistance: 4.5,
        DarkRegionSize: 9,
        DarkRegionReach: 11,
        ScratchIsotropyPenalty: 1.5,
        SpotAnisotropyPenalty: 1.5,
        BoxSize: 16,
        ScratchScale: 130,
        ScratchBias: -130 * 0.036,
        SpotScale: 45,
        SpotBias: -45 * 0.072);

    /// <summary>Cloud model: 640×640 input, a 640×480 frame at full resolution, so thin and faint defects keep their contrast.</summary>
    public static ModelDesign Cloud { get; } = new(
        FileName: "cloud/inspection-cloud.onnx",
        Description: "Inspection cloud detector (hand-designed filter bank, 640x640)",
        Version: "1.0.0",
        InputSize: 640,
        Stride: 8,
        BlurSigma: 1.0,
        LineLength: 13,
        LineOffset: 3.5,
        BlobDistance: 9,
        DarkRegionSize: 15,
        DarkRegionReach: 19,
        ScratchIsotropyPenalty: 1.5,
        SpotAnisotropyPenalty: 1.5,
        BoxSize: 32,
        ScratchScale: 140,
        ScratchBias: -140 * 0.040,
        SpotScale: 45,
        SpotBias: -45 * 0.060);

    public static IReadOnlyList<ModelDesign> All { get; } = [Edge, Cloud];

    /// <summary>
    /// The uncertain band suggested for these models: clean parts score below 0.2 and clear defects above 0.95
    /// on the synthetic line, faint defects spread between; 0.35 / 0.75 sends most faint ones to the cloud.
    /// </summary>
    public static DecisionBand SuggestedBand { get; } = new(0.35f, 0.75f);
}
