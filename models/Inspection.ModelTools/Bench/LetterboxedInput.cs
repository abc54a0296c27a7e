using Inspection.Detection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace Inspection.ModelTools.Bench;

/// <summary>
/// One model's input for the side-by-side timing: frames letterboxed into a pinned buffer that an
/// <see cref="OrtValue"/> wraps, so filling happens outside the timed <see cref="Run"/> and nothing is
/// allocated per frame but the outputs.
/// </summary>
internal sealed class LetterboxedInput : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly float[] _buffer;
    private readonly OrtValue[] _inputs;
    private readonly Mat _resized = new();
    private Letterbox? _geometry;

    public LetterboxedInput(InferenceSession session, string modelPath)
    {
        _session = session;
        if (session.InputMetadata.Count != 1)
        {
            throw new ModelContractException(modelPath, $"it has {session.InputMetadata.Count} inputs; expected exactly one image input [1, 3, H, W].");
        }

        var (name, input) = session.InputMetadata.First();
        var dims = input.Dimensions;
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float || dims.Length != 4 || dims[1] != 3)
        {
            throw new ModelContractException(modelPath, $"its input '{name}' is not a float32 [1, 3, H, W] image.");
        }

        // A dynamic export states its size in the imgsz metadata, as the detector reads it.
        var metadata = UltralyticsMetadata.Parse(session.ModelMetadata.CustomMetadataMap);
        Height = dims[2] > 0 ? dims[2] : metadata.ImageHeight ?? throw new ModelContractException(modelPath, "its input height is dynamic and it has no imgsz metadata.");
        Width = dims[3] > 0 ? dims[3] : metadata.ImageWidth ?? throw new ModelContractException(modelPath, "its input width is dynamic and it has no imgsz metadata.");
        _inputNames = [name];
        _outputNames = [.. session.OutputMetadata.Keys];
        _buffer = GC.AllocateArray<float>(3 * Width * Height, pinned: true);
        _inputs = [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _buffer.AsMemory(), [1L, 3, Height, Width])];
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Letterboxes <paramref name="bgrFrame"/> into the input buffer.</summary>
    public void Fill(Mat bgrFrame)
    {
        if (_geometry is not { } geometry || geometry.SourceWidth != bgrFrame.Width || geometry.SourceHeight != bgrFrame.Height)
        {
            geometry = Letterbox.Compute(bgrFrame.Width, bgrFrame.Height, Width, Height);
            geometry.FillPadding(_buffer);
            _geometry = geometry;
        }

        geometry.FillImage(bgrFrame, _resized, _buffer);
    }

    /// <summary>Runs the model on the current input and releases the outputs.</summary>
    public void Run(RunOptions runOptions)
    {
        using var outputs = _session.Run(runOptions, _inputNames, _inputs, _outputNames);
    }

    public void Dispose()
    {
        _inputs[0].Dispose();
        _resized.Dispose();
    }
}
