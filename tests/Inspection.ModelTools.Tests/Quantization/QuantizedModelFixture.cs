using Inspection.ModelTools.Quantization;

namespace Inspection.ModelTools.Tests.Quantization;

/// <summary>
/// The committed fp32 edge model, copied to a temp folder and quantized once in each form for the tests of this
/// class (32 calibration frames keep it fast): int8 symmetric activations as shipped for TensorRT
/// (<see cref="Int8Path"/>) and uint8 asymmetric activations for ONNX Runtime's CPU fusion (<see cref="UInt8Path"/>).
/// </summary>
public sealed class QuantizedModelFixture : IDisposable
{
    /// <summary>Calibration frames of the shared run; small, so the suite stays fast.</summary>
    public const int CalibrationFrames = 32;

    /// <summary>The percentile the shipped edge model is calibrated at (models/rebuild.sh).</summary>
    public const double ShippedPercentile = 99.999;

    private readonly TempDirectory _directory = new();

    public QuantizedModelFixture()
    {
        var source = RepositoryRoot.Combine("models", "edge", "inspection-edge-fp32.onnx");
        SourcePath = source;
        if (!System.IO.File.Exists(source))
        {
            return;
        }

        Fp32Path = _directory.File("fp32.onnx");
        System.IO.File.Copy(source, Fp32Path);
        Int8Path = _directory.File("int8.onnx");
        Result = ModelQuantizer.Quantize(Settings(Int8Path), TextWriter.Null, CancellationToken.None);
        UInt8Path = _directory.File("uint8.onnx");
        UInt8Result = ModelQuantizer.Quantize(
            Settings(UInt8Path) with { Activations = ActivationType.UInt8 }, TextWriter.Null, CancellationToken.None);
    }

    /// <summary>Where the fp32 model was looked for.</summary>
    public string SourcePath { get; }

    public string Fp32Path { get; } = string.Empty;

    public string Int8Path { get; } = string.Empty;

    public QuantizationResult? Result { get; }

    public string UInt8Path { get; } = string.Empty;

    public QuantizationResult? UInt8Result { get; }

    /// <summary>A path in the fixture's temp folder, deleted with it.</summary>
    public string File(string name) => _directory.File(name);

    /// <summary>The settings of the shared run, writing to <paramref name="outputPath"/>.</summary>
    public QuantizationSettings Settings(string outputPath) =>
        new(Fp32Path, outputPath, CalibrationSeed: 1, CalibrationFrames: CalibrationFrames, Percentile: ShippedPercentile);

    /// <summary>Fails the calling test, naming the file, when the fp32 model is missing.</summary>
    public void RequireModel() =>
        Assert.True(
            Result is not null,
            $"The fp32 edge model is missing at '{SourcePath}': it is committed; restore it or rebuild it with models/rebuild.sh.");

    public void Dispose() => _directory.Dispose();
}
