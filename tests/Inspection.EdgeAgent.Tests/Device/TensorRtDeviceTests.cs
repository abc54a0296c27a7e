using Inspection.Detection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace Inspection.EdgeAgent.Tests.Device;

/// <summary>
/// Runs on a Jetson whose test output folder holds JetPack's TensorRT-enabled libonnxruntime*.so (see
/// deploy/jetson/README.md, "Device tests"); excluded from CI by the trait. Proves the first choice of the
/// provider chain really loads there, builds its engine into the cache, and detects like the CPU path.
/// </summary>
[Trait("Category", "Device")]
public sealed class TensorRtDeviceTests
{
    [Fact]
    public void Load_DefaultChainOnJetson_RunsOnTensorRtAndCachesTheEngine()
    {
        var root = RepositoryRoot.Path;
        var cache = Directory.CreateTempSubdirectory("trt-cache-").FullName;
        var options = new DetectorOptions
        {
            ModelPath = Path.Combine(root, "models", "edge", "inspection-edge.onnx"),
            TensorRtCachePath = cache,
        };

        using var detector = OnnxDetector.Load(options, NullLogger.Instance);
        using var frame = new Mat(480, 640, MatType.CV_8UC3, Scalar.All(40));
        var detections = detector.Detect(frame);

        Assert.Equal("TensorRT", detector.ExecutionProvider);
        Assert.Empty(detections);
        Assert.NotEmpty(Directory.EnumerateFiles(cache, "*", SearchOption.AllDirectories));
    }
}
