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
/// <param name="TrainCrop">Train on random square crops of this size taken from the <paramref name="ImageSize"/> input
/// (0: the whole input); the exported model still takes the whole input.</param>
/// <param name="ModelVersion">The <c>version</c> written into the exported model's metadata.</param>
/// <param name="Dilations">One dilation per conv stage (null: all 1), see <see cref="DetectorNet"/>.</param>
/// <param name="InitWeights">Start from these weights (<c>detector.dat</c> of an earlier run) instead of random ones.</param>
/// <param name="QuantAware">
/// Fine-tune with int8 simulated (quantization-aware training): activation ranges are measured once on the start
/// weights, as <c>quantize</c> measures them, then held fixed; they are written to <c>activation-ranges.json</c> for
/// <c>quantize --ranges</c>.
/// </param>
/// <param name="RangePercentile">Percentile of |activation| the quantization-aware ranges are clipped to.</param>
/// <param name="Residual">Residual stride-1 stages (see <see cref="DetectorNet"/>).</param>
/// <param name="InitOnnx">Start from the float weights of an ONNX file this trainer exported (see <see cref="OnnxStartWeights"/>).</param>
/// <param name="ExtraDataset">An Ultralytics dataset folder whose images are mixed into the batches (see <see cref="ExtraDataset"/>).</param>
/// <param name="ExtraShare">Share of each batch drawn from <paramref name="ExtraDataset"/>, 0–1.</param>
public sealed record TrainSettings(
    string OutputDirectory,
    int Steps,
    int ImageSize,
    int Seed,
    double WidthMultiplier,
    int BatchSize,
    double LearningRate,
    int ValidationFrames,
    int TrainCrop = 0,
    string ModelVersion = TrainSettings.DefaultModelVersion,
    IReadOnlyList<int>? Dilations = null,
    string? InitWeights = null,
    bool QuantAware = false,
    double RangePercentile = 99.999,
    bool Residual = false,
    string? InitOnnx = null,
    string? ExtraDataset = null,
    double ExtraShare = TrainSettings.DefaultExtraShare)
{
    /// <summary>Default share of a batch drawn from <c>--extra-dataset</c>.</summary>
    public const double DefaultExtraShare = 0.25;

    /// <summary>Version of the trained models (the hand-designed filter banks they replaced were 1.0.0).</summary>
    public const string DefaultModelVersion = "2.0.0";

    /// <summary>The side of the square the network sees while training.</summary>
    public int TrainSize => TrainCrop > 0 ? TrainCrop : ImageSize;
}
