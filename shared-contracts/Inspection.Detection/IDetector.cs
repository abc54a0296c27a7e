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
}
