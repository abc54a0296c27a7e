using Microsoft.ML.OnnxRuntime;

namespace Inspection.ModelTools.Quantization;

/// <summary>
/// Runs the fp32 and the int8 model on the same inputs and compares the class scores of the first output
/// (rows 4… of the Ultralytics [1, 4 + classes, anchors] layout; every value when the output has another shape).
/// </summary>
internal static class ScoreComparison
{
    public static (float Max, float Mean, int Frames) Compare(
        byte[] fp32Model, byte[] int8Model, QuantizationPlan plan, IEnumerable<float[]> frames, CancellationToken cancellationToken)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var fp32 = new InferenceSession(fp32Model, options);
        using var int8 = new InferenceSession(int8Model, options);
        using var runOptions = new RunOptions();
        var output = fp32.OutputNames[0];
        long[] shape = [1, 3, plan.InputHeight, plan.InputWidth];
        var max = 0f;
        double sum = 0;
        long count = 0;
        var frameCount = 0;
        foreach (var frame in frames)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var input = OrtValue.CreateTensorValueFromMemory(frame, shape);
            using var expected = fp32.Run(runOptions, [plan.InputName], [input], [output]);
            using var actual = int8.Run(runOptions, [plan.InputName], [input], [output]);
            var dims = expected[0].GetTensorTypeAndShape().Shape;
            var a = expected[0].GetTensorDataAsSpan<float>();
            var b = actual[0].GetTensorDataAsSpan<float>();
            var start = dims.Length == 3 && dims[1] > 4 ? checked((int)(4 * dims[2])) : 0;
            for (var i = start; i < a.Length; i++)
            {
                var difference = Math.Abs(a[i] - b[i]);
                max = Math.Max(max, difference);
                sum += difference;
                count++;
            }

            frameCount++;
        }

        return (max, count == 0 ? 0 : (float)(sum / count), frameCount);
    }
}
