using Inspection.Detection;

namespace Inspection.ModelTools.Models;

/// <summary>
/// The project's two models. Calibration: each class's logit is <c>scale · (raw − midpoint)</c>, written as
/// scale and <c>−scale · midpoint</c>, read off <c>evaluate --raw</c> on models built with
/// <c>build --uncalibrated</c> over seeds 101–103 (see models/README.md). Edge: the midpoint (score 0.5) sits at
/// the median faint defect, so the edge is unsure of faint defects and escalates them. Cloud: it sees faint
/// defects at twice the resolution, well clear of its clean-part noise, so its midpoint sits below the faintest
/// defect while every clean part stays under 0.2.
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
        ScratchScale: 110,
        ScratchBias: -110 * 0.035,
        SpotScale: 60,
        SpotBias: -60 * 0.045);

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
        ScratchScale: 90,
        ScratchBias: -90 * 0.030,
        SpotScale: 90,
        SpotBias: -90 * 0.030);

    public static IReadOnlyList<ModelDesign> All { get; } = [Edge, Cloud];

    /// <summary>
    /// The uncertain band suggested for these models: clean parts score below 0.2 and clear defects above 0.95
    /// on the synthetic line, faint defects spread between; 0.35 / 0.75 sends most faint ones to the cloud.
    /// </summary>
    public static DecisionBand SuggestedBand { get; } = new(0.35f, 0.75f);
}
