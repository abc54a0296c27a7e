namespace Inspection.ModelTools.Models;

/// <summary>
/// The hand-chosen parameters of one detection model. Geometry is in network-input pixels; the score
/// calibration maps each class's raw filter response r to <c>sigmoid(scale · r + bias)</c>.
/// </summary>
/// <param name="FileName">Path of the model below the models folder, e.g. <c>edge/inspection-edge.onnx</c>.</param>
/// <param name="Description">Metadata <c>description</c>.</param>
/// <param name="Version">Metadata <c>version</c>.</param>
/// <param name="InputSize">Square network input, pixels (the frame is letterboxed into it).</param>
/// <param name="Stride">Output cell size in input pixels; the model outputs (InputSize / Stride)² cells.</param>
/// <param name="BlurSigma">Gaussian pre-blur (input pixels) against sensor noise.</param>
/// <param name="LineLength">Length of the oriented line filters: long enough to tell a scratch from a spot.</param>
/// <param name="LineOffset">Distance from a line's centre to the two flanks it is compared with; just over half a scratch's width.</param>
/// <param name="BlobDistance">Distance from a spot's centre to the eight points it must be darker than; just over the largest spot radius.</param>
/// <param name="DarkRegionSize">Window (odd) of the grey closing that erases scratches and spots but keeps holes and belt.</param>
/// <param name="DarkRegionReach">Window (odd) around such dark regions in which no scratch is reported.</param>
/// <param name="ScratchIsotropyPenalty">How much an equally strong response in every orientation (a spot) takes off the scratch score.</param>
/// <param name="SpotAnisotropyPenalty">How much orientation contrast (a line) takes off the spot score.</param>
/// <param name="BoxSize">Side of the reported box, input pixels (the cell centre is the box centre).</param>
/// <param name="ScratchScale">Calibration slope for scratch.</param>
/// <param name="ScratchBias">Calibration offset for scratch.</param>
/// <param name="SpotScale">Calibration slope for spot.</param>
/// <param name="SpotBias">Calibration offset for spot.</param>
public sealed record ModelDesign(
    string FileName,
    string Description,
    string Version,
    int InputSize,
    int Stride,
    double BlurSigma,
    double LineLength,
    double LineOffset,
    double BlobDistance,
    int DarkRegionSize,
    int DarkRegionReach,
    double ScratchIsotropyPenalty,
    double SpotAnisotropyPenalty,
    int BoxSize,
    double ScratchScale,
    double ScratchBias,
    double SpotScale,
    double SpotBias)
{
    /// <summary>The same network with scale 1 and bias 0: its scores are sigmoid(raw response), for calibration.</summary>
    public ModelDesign Uncalibrated() => this with { ScratchScale = 1, ScratchBias = 0, SpotScale = 1, SpotBias = 0 };

    /// <summary>Output cells per side.</summary>
    public int GridSize => InputSize / Stride;
}
