namespace Inspection.ModelTools.Line;

/// <summary>What <see cref="LineExporter.Export"/> wrote.</summary>
/// <param name="Frames">Frames rendered.</param>
/// <param name="Defects">Defect boxes written to the labels, over all frames.</param>
/// <param name="VideoWritten">False when this OpenCV build cannot encode Motion-JPEG; frames were written as JPEGs instead.</param>
/// <param name="ImagesWritten">True when frames/NNNNNN.jpg were written.</param>
public sealed record LineExportResult(int Frames, int Defects, bool VideoWritten, bool ImagesWritten);
