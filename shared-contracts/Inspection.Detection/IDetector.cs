using OpenCvSharp;

namespace Inspection.Detection;

/// <summary>
/// A loaded, warmed detection model. The seam between the pipeline and the inference backend
/// (ONNX Runtime on TensorRT, CUDA or CPU). Not thread-safe: one caller at a time.
/// </summary>
public interface IDetector : IDisposable
{
    /// <summary>What the model says about itself.</summary>
    ModelMetadata Model { get; }

    /// <summary>The execution provider that actually runs the model: <c>TensorRT</c>, <c>CUDA</c> or <c>CPU</c>.</summary>
    string ExecutionProvider { get; }

    /// <summary>
    /// Detects objects in a BGR frame of any size. Returns detections above the configured score
    /// threshold after non-maximum suppression, in the frame's pixel coordinates.
    /// </summary>
    IReadOnlyList<Detection> Detect(Mat frame);

    /// <summary>
    /// How many frames <see cref="DetectBatch"/> runs in one inference: 1 when the model's batch dimension is fixed (or
    /// the backend has no batch path), otherwise <see cref="DetectorOptions.MaxBatchSize"/>.
    /// </summary>
    int MaxBatchSize => 1;

    /// <summary>
    /// Detects objects in several frames; result <c>i</c> belongs to frame <c>i</c> and equals what
    /// <see cref="Detect"/> returns for it. Frames beyond <see cref="MaxBatchSize"/> run in further inferences.
    /// </summary>
    IReadOnlyList<IReadOnlyList<Detection>> DetectBatch(IReadOnlyList<Mat> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var results = new IReadOnlyList<Detection>[frames.Count];
        for (var i = 0; i < frames.Count; i++)
        {
            results[i] = Detect(frames[i]);
        }

        return results;
    }
}
