using Inspection.Trainer.Training;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Inspection.Trainer.Export;

/// <summary>Runs one input through the TorchSharp model and the exported ONNX file and compares the outputs.</summary>
public static class ExportVerifier
{
    /// <summary>The largest absolute difference between TorchSharp's and ONNX Runtime's [1, 4 + nc, N] output.</summary>
    public static float MaxAbsDifference(DetectorNet model, string onnxPath, float[] pixels, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pixels);
        float[] expected;
        model.eval();
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var input = tensor(pixels, [1, 3, imageSize, imageSize]);
            var output = DetectorNet.ToYoloLayout(model.forward(input), model.ClassCount);
            expected = output.contiguous().data<float>().ToArray();
        }

        using var session = new InferenceSession(onnxPath);
        using var runOptions = new RunOptions();
        using var ortInput = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, imageSize, imageSize]);
        using var outputs = session.Run(runOptions, ["images"], [ortInput], ["output0"]);
        var actual = outputs[0].GetTensorDataAsSpan<float>();
        if (actual.Length != expected.Length)
        {
            throw new InvalidOperationException(
                $"The exported model gives {actual.Length} values but TorchSharp gives {expected.Length}; the export does not match the network.");
        }

        var max = 0f;
        for (var i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }

        return max;
    }
}
