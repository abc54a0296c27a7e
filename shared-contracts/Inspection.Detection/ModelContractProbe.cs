using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inspection.Detection;

/// <summary>
/// Checks a loaded session against the model contract before anything runs on it: Ultralytics metadata, exactly one
/// float image input [1, 3, H, W] whose size agrees with the metadata, a float output whose shape a decoder accepts
/// (a dynamic one is measured by one run on a blank input). Every refusal names the file and what is wrong.
/// </summary>
internal sealed class ModelContractProbe(InferenceSession session, string modelPath)
{
    public UltralyticsMetadata ReadMetadata()
    {
        UltralyticsMetadata metadata;
        try
        {
            metadata = UltralyticsMetadata.Parse(session.ModelMetadata.CustomMetadataMap);
        }
        catch (FormatException ex)
        {
            throw new ModelContractException(modelPath, $"its {ex.Message}", ex);
        }

        if (metadata.Task is { } task && !string.Equals(task, "detect", StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelContractException(
                modelPath, $"its metadata task is '{task}'; only 'detect' models are supported (export a detection model).");
        }

        return metadata;
    }

    public (string Name, int Width, int Height) ReadInput(UltralyticsMetadata metadata)
    {
        var inputs = session.InputMetadata;
        if (inputs.Count != 1)
        {
            throw new ModelContractException(
                modelPath, $"it has {inputs.Count} inputs ({string.Join(", ", inputs.Keys)}); expected exactly one image input [1, 3, H, W].");
        }

        var (name, input) = inputs.First();
        var dims = input.IsTensor ? input.Dimensions : [];
        var shape = YoloOutputDecoder.FormatShape(Array.ConvertAll(dims, d => (long)d));
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float)
        {
            var type = input.IsTensor ? input.ElementDataType.ToString() : input.OnnxValueType.ToString();
            throw new ModelContractException(
                modelPath, $"its input '{name}' is {type} {shape}; expected float32 [1, 3, H, W] (export without half precision).");
        }

        if (dims.Length != 4 || dims[0] is not (1 or -1) || dims[1] != 3)
        {
            throw new ModelContractException(modelPath, $"its input '{name}' has shape {shape}; expected [1, 3, H, W].");
        }

        var height = ResolveSize(dims[2], metadata.ImageHeight, "height");
        var width = ResolveSize(dims[3], metadata.ImageWidth, "width");
        return (name, width, height);
    }

    private int ResolveSize(int fromShape, int? fromMetadata, string what)
    {
        if (fromShape > 0)
        {
            if (fromMetadata is { } declared && declared != fromShape)
            {
                throw new ModelContractException(
                    modelPath, $"its input {what} is {fromShape} but its imgsz metadata says {declared}.");
            }

            return fromShape;
        }

        return fromMetadata ?? throw new ModelContractException(
            modelPath, $"its input {what} is dynamic and it has no imgsz metadata; export with a fixed imgsz.");
    }

    public (string Name, long[] Shape) ReadOutput(int width, int height, RunOptions runOptions, string[] inputNames, OrtValue[] inputs)
    {
        var (name, output) = session.OutputMetadata.First();
        var dims = output.IsTensor ? Array.ConvertAll(output.Dimensions, d => (long)d) : [];
        if (!output.IsTensor || output.ElementDataType != TensorElementType.Float)
        {
            var type = output.IsTensor ? output.ElementDataType.ToString() : output.OnnxValueType.ToString();
            throw new ModelContractException(
                modelPath, $"its output '{name}' is {type} {YoloOutputDecoder.FormatShape(dims)}; expected a float32 tensor.");
        }

        if (dims.Length != 3 || Array.TrueForAll(dims, d => d > 0))
        {
            // Static (or wrong-rank) shapes are judged as declared, before anything runs.
            return (name, dims);
        }

        // A dynamic export declares symbolic sizes; one run on a blank input gives the real shape.
        try
        {
            using var probe = session.Run(runOptions, inputNames, inputs, [name]);
            return (name, probe[0].GetTensorTypeAndShape().Shape);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelContractException(
                modelPath, $"it fails to run on a blank {width}x{height} input: {OrtErrors.ShortReason(ex)}", ex);
        }
    }
}
