using System.Diagnostics;
using Inspection.Detection;
using Inspection.Detection.Packaging;

namespace Inspection.CloudInference.Models;

/// <summary>
/// What the registry checks beyond signature and hashes, on the package's files as staged on disk: the model loads
/// in ONNX Runtime on the CPU and follows the model contract, its metadata matches the manifest's summary, and its
/// golden set passes with the recommended settings. A package that fails any of these never reaches a device.
/// </summary>
public static class PackageValidator
{
    /// <summary>Returns a description of the passing run, or throws <see cref="PackageRejectedException"/> with the reason.</summary>
    public static string Validate(ModelManifest manifest, string stagedFolder, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var modelPath = Path.Combine(stagedFolder, manifest.Model.Path);
        var clock = Stopwatch.StartNew();
        OnnxDetector detector;
        try
        {
            detector = OnnxDetector.Load(
                manifest.Recommended.Apply(new DetectorOptions { ExecutionProviders = ["CPU"], WarmupRuns = 1 }, modelPath), logger);
        }
        catch (ModelContractException ex)
        {
            throw new PackageRejectedException($"the model does not follow the model contract: {ex.Message}", ex);
        }

        using (detector)
        {
            var model = detector.Model;
            var summary = manifest.Summary;
            if (!model.ClassNames.SequenceEqual(summary.Classes, StringComparer.Ordinal))
            {
                throw new PackageRejectedException(
                    $"the manifest names the classes [{string.Join(", ", summary.Classes)}], the model's metadata [{string.Join(", ", model.ClassNames)}]");
            }

            if (model.InputWidth != summary.InputWidth || model.InputHeight != summary.InputHeight)
            {
                throw new PackageRejectedException(
                    $"the manifest gives the input as {summary.InputWidth}x{summary.InputHeight}, the model takes {model.InputWidth}x{model.InputHeight}");
            }

            if (!string.Equals(detector.OutputLayout.ToString(), summary.Layout, StringComparison.Ordinal))
            {
                throw new PackageRejectedException($"the manifest gives the output layout as {summary.Layout}, the model's is {detector.OutputLayout}");
            }

            var golden = GoldenSetCheck.Run(detector, manifest.Golden, file => File.ReadAllBytes(Path.Combine(stagedFolder, file.Path)));
            if (golden is not null)
            {
                throw new PackageRejectedException($"its golden set fails on the registry's CPU run: {golden}");
            }

            return $"loaded on {detector.ExecutionProvider}, {manifest.Golden.Frames.Count} golden frames agree ({clock.Elapsed.TotalMilliseconds:0} ms)";
        }
    }
}
