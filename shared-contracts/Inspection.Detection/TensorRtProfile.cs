using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Inspection.Detection;

/// <summary>
/// The TensorRT optimisation profile for a model with a dynamic batch: TensorRT builds an engine for a range of input
/// shapes, and without a profile it builds one for the shape it meets first (batch 1) and rebuilds — on the hot path —
/// when a batch of another size arrives. Min is batch 1, opt and max are <see cref="DetectorOptions.MaxBatchSize"/>:
/// under load the batches are full, and a lone frame still runs.
/// </summary>
internal static class TensorRtProfile
{
    /// <summary>
    /// The <c>trt_profile_*_shapes</c> provider options for <paramref name="modelPath"/>, or none when
    /// <paramref name="maxBatchSize"/> is 1 or the model's batch is fixed (read from the model's declared input).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Options(string modelPath, int maxBatchSize)
    {
        if (maxBatchSize <= 1)
        {
            return new Dictionary<string, string>();
        }

        // The declared input, read by a CPU session that runs nothing: the GPU session being configured needs it first.
        using var probe = new InferenceSession(modelPath);
        var (name, input) = probe.InputMetadata.First();
        var dims = input.Dimensions;
        if (dims.Length != 4 || dims[0] >= 0 || dims[2] <= 0 || dims[3] <= 0)
        {
            return new Dictionary<string, string>();
        }

        string Shape(int batch) => string.Create(CultureInfo.InvariantCulture, $"{name}:{batch}x{dims[1]}x{dims[2]}x{dims[3]}");
        return new Dictionary<string, string>
        {
            ["trt_profile_min_shapes"] = Shape(1),
            ["trt_profile_opt_shapes"] = Shape(maxBatchSize),
            ["trt_profile_max_shapes"] = Shape(maxBatchSize),
        };
    }
}
