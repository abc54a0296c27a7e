namespace Inspection.Trainer.Training;

/// <summary>One training run, as given on the command line.</summary>
/// <param name="OutputDirectory">Where the weights, the ONNX file, the loss log and the summary go.</param>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="ImageSize">Square network input in pixels, a multiple of 8.</param>
/// <param name="Seed">Seeds the weights, the frame draw and the choice of training and validation lines.</param>
/// <param name="WidthMultiplier">Scales every stage's channels (1.0 ≈ 210 k parameters).</param>
/// <param name="BatchSize">Frames per step.</param>
/// <param name="LearningRate">Peak AdamW learning rate (linear warm-up, then cosine decay).</param>
/// <param name="ValidationFrames">Held-out frames for the end-of-training quality check.</param>
public sealed record TrainSettings(
    string OutputDirectory,
    int Steps,
    int ImageSize,
    int Seed,
    double WidthMultiplier,
    int BatchSize,
    double LearningRate,
    int ValidationFrames);
