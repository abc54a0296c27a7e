using Inspection.Detection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;
using ModelMetadata = Inspection.Detection.ModelMetadata;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// A detector over a real ONNX Runtime session on <see cref="TinyOnnxModel"/>: the frame's mean
/// brightness goes through the model and comes back as the confidence of one "scratch" detection.
/// A grey level picks the verdict: 20 → pass, 128 → uncertain, 230 → defect (cloud band 0.35/0.75).
/// Counts its calls, so tests can prove a duplicate never reaches the model.
/// </summary>
public sealed class BrightnessDetector : IDetector
{
    private readonly InferenceSession _session;
    private readonly int _inputLength;
    private int _calls;

    /// <param name="modelPath">The <see cref="TinyOnnxModel"/> file.</param>
    /// <param name="inputLength">1; any other length makes ONNX Runtime itself reject every inference (a broken model).</param>
    public BrightnessDetector(string modelPath, int inputLength = 1)
    {
        _session = new InferenceSession(modelPath);
        _inputLength = inputLength;
    }

    public ModelMetadata Model { get; } = new("brightness-test", "1.0.0", ["scratch"], 1, 1, 1, "detect");

    public string ExecutionProvider => "CPU";

    public int Calls => Volatile.Read(ref _calls);

    public IReadOnlyList<Detection.Detection> Detect(Mat frame)
    {
        Interlocked.Increment(ref _calls);
        var mean = (float)(Cv2.Mean(frame).Val0 / 255.0);
        var input = new DenseTensor<float>(Enumerable.Repeat(mean, _inputLength).ToArray(), [1, _inputLength]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor("x", input)]);
        var confidence = results[0].AsEnumerable<float>().Single();
        return confidence < 0.05f
            ? []
            : [new Detection.Detection(0, "scratch", confidence, new BoundingBox(0, 0, frame.Width, frame.Height))];
    }

    public void Dispose() => _session.Dispose();
}
