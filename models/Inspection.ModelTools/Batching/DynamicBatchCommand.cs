using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Inspection.ModelTools.Models;
using Inspection.ModelTools.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace Inspection.ModelTools.Batching;

/// <summary>
/// <c>dynamic-batch</c>: makes a detector's batch dimension dynamic (<see cref="DynamicBatchRewriter"/>), so the cloud
/// runs several frames in one inference, then proves the rewrite changed nothing: the same seeded inputs run one by one
/// and as batches of 2 and 4 must agree within <see cref="Tolerance"/>. <c>models/rebuild.sh</c> runs it on the cloud
/// model after training; the edge model keeps its fixed batch of 1 (its release package hashes stay valid).
/// </summary>
public static class DynamicBatchCommand
{
    /// <summary>Largest difference allowed between a batched and a one-by-one output value.</summary>
    public const float Tolerance = 1e-4f;

    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The .onnx detector to rewrite.", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Where to write the result (default: over --model)." };
        var command = new Command("dynamic-batch", "Make a detector's batch dimension dynamic and check batches of 2 and 4 against single runs.")
        {
            model, output,
        };
        command.SetAction((parse, _) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var source = parse.GetValue(model)!.FullName;
            var target = parse.GetValue(output)?.FullName ?? source;
            try
            {
                var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(source));
                if (proto.Graph is null || proto.Graph.Node.Count == 0)
                {
                    stderr.WriteLine($"dynamic-batch: '{source}' is not an ONNX model (no graph nodes).");
                    return Task.FromResult(1);
                }

                var (reshapes, already) = DynamicBatchRewriter.Rewrite(proto);
                var bytes = proto.ToByteArray();
                var worst = MaxBatchDifference(bytes);
                if (worst > Tolerance)
                {
                    stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"dynamic-batch: batched outputs differ from single runs by {worst:G3} (> {Tolerance:G1}); '{target}' was not written."));
                    return Task.FromResult(1);
                }

                var temp = target + ".tmp";
                File.WriteAllBytes(temp, bytes);
                File.Move(temp, target, overwrite: true);
                stdout.WriteLine(already
                    ? $"{target}: the batch was dynamic already"
                    : $"{target}: batch dimension '{DynamicBatchRewriter.BatchDimension}', {reshapes} Reshape target(s) copy it");
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"batches of 2 and 4 against single runs: largest difference {worst:G3} (allowed {Tolerance:G1})"));
                stdout.WriteLine($"{ModelFile.Sha256(target)}  {target}");
                return Task.FromResult(0);
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidProtocolBufferException or IOException or UnauthorizedAccessException or OnnxRuntimeException)
            {
                stderr.WriteLine($"dynamic-batch: {source}: {e.Message}");
                return Task.FromResult(1);
            }
        });
        return command;
    }

    /// <summary>Runs four seeded inputs one by one and as batches of 2 and 4; the largest difference in any output value.</summary>
    public static float MaxBatchDifference(byte[] model)
    {
        using var session = new InferenceSession(model);
        var (inputName, meta) = session.InputMetadata.First();
        var outputName = session.OutputMetadata.Keys.First();
        var height = meta.Dimensions[2];
        var width = meta.Dimensions[3];
        var plane = 3 * height * width;
        var random = new Random(7);
        var inputs = new float[4 * plane];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)random.NextDouble();
        }

        using var runOptions = new RunOptions();
        var singles = new List<float[]>(4);
        for (var n = 0; n < 4; n++)
        {
            singles.Add(Run(session, runOptions, inputName, outputName, inputs.AsMemory(n * plane, plane), 1, height, width));
        }

        var worst = 0f;
        foreach (var batch in (int[])[2, 4])
        {
            var batched = Run(session, runOptions, inputName, outputName, inputs.AsMemory(0, batch * plane), batch, height, width);
            var length = singles[0].Length;
            for (var n = 0; n < batch; n++)
            {
                for (var i = 0; i < length; i++)
                {
                    worst = Math.Max(worst, Math.Abs(batched[(n * length) + i] - singles[n][i]));
                }
            }
        }

        return worst;
    }

    private static float[] Run(InferenceSession session, RunOptions runOptions, string inputName, string outputName, Memory<float> input, int batch, int height, int width)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, [batch, 3, height, width]);
        using var results = session.Run(runOptions, [inputName], [value], [outputName]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
