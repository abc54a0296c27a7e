using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Inspection.ModelTools.Onnx.Proto;
using Inspection.Trainer.Export;
using static TorchSharp.torch;

namespace Inspection.Trainer.Training;

/// <summary>
/// Starts a <see cref="DetectorNet"/> from a float ONNX file this trainer exported (the shipped
/// <c>inspection-edge-fp32.onnx</c>, whose <c>detector.dat</c> is not kept): each conv takes the file's folded weight
/// and bias, and its BatchNorm is set to the identity (γ 1, β the folded bias, mean 0, variance 1 − ε), so the
/// network computes what the file computes. The BatchNorm's statistics stay the identity only while they are frozen,
/// as quantization-aware fine-tuning keeps them; plain training re-learns them from the first batch.
/// </summary>
public static partial class OnnxStartWeights
{
    /// <summary>Loads <paramref name="path"/> into <paramref name="model"/>; returns the steps the file says it was trained for (0 when it does not say).</summary>
    /// <exception cref="StartWeightsException">The file is missing, not ONNX, quantized, or a network of another shape.</exception>
    public static int Load(DetectorNet model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!File.Exists(path))
        {
            throw new StartWeightsException($"No start model at '{path}'.");
        }

        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new StartWeightsException($"'{path}' is not an ONNX model (it does not parse as one).", e);
        }

        if (proto.Graph is null || proto.Graph.Node.Count == 0)
        {
            throw new StartWeightsException($"'{path}' is not an ONNX model (no graph nodes).");
        }

        var graph = proto.Graph;
        if (graph.Node.Any(n => n.OpType is "QuantizeLinear" or "DequantizeLinear"))
        {
            throw new StartWeightsException(
                $"'{path}' is a quantized model; start from its float twin (for the shipped edge model: models/edge/inspection-edge-fp32.onnx).");
        }

        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        var tensors = new List<(Tensor Target, float[] Values)>();
        for (var i = 0; i < model.Blocks.Count; i++)
        {
            var block = model.Blocks[i];
            var name = $"block{i}";
            var weight = Take(initializers, $"{name}.weight", block.conv.weight!.shape, problems);
            var bias = Take(initializers, $"{name}.bias", [block.conv.weight!.shape[0]], problems);
            var conv = graph.Node.FirstOrDefault(n => n.OpType == "Conv" && n.Input.Count > 1 && n.Input[1] == $"{name}.weight");
            var dilation = conv?.Attribute.FirstOrDefault(a => a.Name == "dilations")?.Ints.FirstOrDefault() ?? 1;
            if (conv is not null && dilation != block.Dilation)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"stage {i} is dilated {dilation} in the file, {block.Dilation} here (--dilations)"));
            }

            var residual = graph.Node.Any(n => n.OpType == "Add" && n.Output.Contains(DetectorOnnxExporter.StageOutputName(i)));
            if (conv is not null && residual != model.IsResidual(i))
            {
                problems.Add($"stage {i} is {(residual ? string.Empty : "not ")}residual in the file, {(model.IsResidual(i) ? string.Empty : "not ")}residual here (--residual)");
            }

            if (weight is not null && bias is not null)
            {
                tensors.Add((block.conv.weight!, weight));
                tensors.Add((block.bn.bias!, bias));
            }
        }

        var headWeight = Take(initializers, "head.weight", model.Head.weight!.shape, problems);
        var headBias = Take(initializers, "head.bias", model.Head.bias!.shape, problems);
        if (problems.Count > 0)
        {
            throw new StartWeightsException(
                $"'{path}' does not hold a width-{model.WidthMultiplier.ToString(CultureInfo.InvariantCulture)} detector with dilations {string.Join(" ", model.Dilations)}"
                + $"{(model.Residual ? ", residual," : string.Empty)} and {model.ClassCount} classes: {string.Join("; ", problems)}.");
        }

        tensors.Add((model.Head.weight!, headWeight!));
        tensors.Add((model.Head.bias!, headBias!));
        using (no_grad())
        {
            foreach (var (target, values) in tensors)
            {
                using var source = tensor(values, target.shape);
                target.copy_(source);
            }

            foreach (var block in model.Blocks)
            {
                block.bn.weight!.fill_(1);
                block.bn.running_mean!.zero_();
                block.bn.running_var!.fill_(1 - ConvBlock.BatchNormEpsilon);
            }
        }

        var description = proto.MetadataProps.FirstOrDefault(p => p.Key == "description")?.Value ?? string.Empty;
        return PriorSteps(description);
    }

    /// <summary>The steps a description such as <c>(3500 + 500 quantization-aware steps, seed 1)</c> names: 4000; 0 when it names none.</summary>
    public static int PriorSteps(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var match = StepsPattern().Match(description);
        return match.Success
            ? match.Groups["n"].Captures.Sum(c => int.Parse(c.Value, CultureInfo.InvariantCulture))
            : 0;
    }

    private static float[]? Take(Dictionary<string, TensorProto> initializers, string name, long[] shape, List<string> problems)
    {
        if (!initializers.TryGetValue(name, out var tensor))
        {
            problems.Add($"no initializer '{name}'");
            return null;
        }

        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            problems.Add($"'{name}' is not float32");
            return null;
        }

        if (!tensor.Dims.SequenceEqual(shape))
        {
            problems.Add($"'{name}' is [{string.Join(", ", tensor.Dims)}] in the file, [{string.Join(", ", shape)}] here");
            return null;
        }

        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        if (tensor.FloatData.Count == count)
        {
            return [.. tensor.FloatData];
        }

        if (tensor.RawData.Length == count * sizeof(float))
        {
            return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        }

        problems.Add($"'{name}' holds no {count} float values");
        return null;
    }

    [GeneratedRegex(@"\((?:(?<n>\d+)(?: \+ )?)+ (?:quantization-aware )?steps")]
    private static partial Regex StepsPattern();
}
