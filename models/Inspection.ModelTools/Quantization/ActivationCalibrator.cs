using Google.Protobuf;
using Inspection.ModelTools.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace Inspection.ModelTools.Quantization;

/// <summary>
/// Measures the range of every activation the plan quantizes by running the fp32 model in ONNX Runtime (CPU)
/// with those tensors added as extra graph outputs (on an in-memory copy; the file is not touched).
/// </summary>
internal static class ActivationCalibrator
{
    public static (IReadOnlyDictionary<string, ActivationRange> Ranges, int Frames) Calibrate(
        ModelProto model, QuantizationPlan plan, IEnumerable<float[]> frames, double percentile, CancellationToken cancellationToken)
    {
        var probe = model.Clone();
        var existing = probe.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        // The image input is measured from the frame itself: a graph input is not a node output ORT can return.
        var measured = plan.Activations.Where(a => a != plan.InputName).ToArray();
        foreach (var name in measured.Where(a => !existing.Contains(a)))
        {
            probe.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        // One thread: the same frames then give bit-identical activations, so the written model is reproducible.
        // Full optimization still applies: the extra outputs only keep the fusions that would hide them from happening.
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(probe.ToByteArray(), options);
        using var runOptions = new RunOptions();
        var histograms = measured.Select(_ => new MagnitudeHistogram()).ToArray();
        var inputHistogram = new MagnitudeHistogram();
        long[] shape = [1, 3, plan.InputHeight, plan.InputWidth];
        var count = 0;
        foreach (var frame in frames)
        {
            cancellationToken.ThrowIfCancellationRequested();
            inputHistogram.Add(frame);
            if (measured.Length > 0)
            {
                // With Q/DQ only at Conv inputs, a one-Conv model quantizes nothing but the image: no run needed.
                using var input = OrtValue.CreateTensorValueFromMemory(frame, shape);
                using var results = session.Run(runOptions, [plan.InputName], [input], measured);
                for (var i = 0; i < measured.Length; i++)
                {
                    histograms[i].Add(results[i].GetTensorDataAsSpan<float>());
                }
            }

            count++;
        }

        var ranges = new Dictionary<string, ActivationRange>(StringComparer.Ordinal);
        for (var i = 0; i < measured.Length; i++)
        {
            ranges[measured[i]] = plan.Fit(measured[i], histograms[i].Range(percentile));
        }

        ranges[plan.InputName] = inputHistogram.Range(percentile);

        return (ranges, count);
    }
}
