namespace Inspection.ModelTools.Models;

/// <summary>The project's two models. Calibration constants come from <c>evaluate --raw</c> on seeds 1–3 (see models/README.md).</summary>
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
        ScratchIsotropyPenalty: 1.5,
        SpotAnisotropyPenalty: 1.5,
        BoxSize: 16,
        ScratchScale: 1,
        ScratchBias: 0,
        SpotScale: 1,
        SpotBias: 0);

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
        ScratchIsotropyPenalty: 1.5,
        SpotAnisotropyPenalty: 1.5,
        BoxSize: 32,
        ScratchScale: 1,
        ScratchBias: 0,
        SpotScale: 1,
        SpotBias: 0);

    public static IReadOnlyList<ModelDesign> All { get; } = [Edge, Cloud];
}
