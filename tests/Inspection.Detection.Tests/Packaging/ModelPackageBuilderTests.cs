using Inspection.Detection.Packaging;
using Inspection.ModelTools.Packaging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.Detection.Tests.Packaging;

/// <summary>A real package of the shipped edge model: built, opened, and its golden set run on ONNX Runtime.</summary>
public sealed class ModelPackageBuilderTests
{
    private static readonly PackageDetails Details = new(
        Release: 3, Name: null, Version: null, new RecommendedSettings(0.25f, 0.85f, 0.15f, 0.3f, false), "1.0.0", GoldenTolerance.Default);

    [Fact]
    public void Build_ShippedEdgeModel_OpensVerifiedAndItsGoldenSetPassesOnTheSameModel()
    {
        using var key = TestPackages.NewKey();
        using var trusted = TrustedKeys.Of("device", key);
        var images = ModelPacker.GoldenImages(seed: 4242, count: 3).Select(g => g.Png).ToList();
        using var archive = new MemoryStream();

        var manifest = ModelPackageBuilder.Build(EdgeModel, images, Details, key, TimeProvider.System, archive);

        archive.Position = 0;
        var package = ModelPackage.Open(archive, trusted, 64 * 1024 * 1024);
        Assert.Equal(manifest, package.Manifest with { Summary = manifest.Summary, Golden = manifest.Golden });
        Assert.Equal("inspection-edge", manifest.Name);
        Assert.Equal(File.ReadAllBytes(EdgeModel), package.Files[ModelPackageBuilder.ModelEntry]);
        Assert.Equal(480, manifest.Summary.InputWidth);
        Assert.Equal("YoloV8", manifest.Summary.Layout);
        Assert.Equal(3, manifest.Golden.Frames.Count);
        Assert.True(manifest.Golden.Frames.Count(f => f.Detections.Count > 0) >= 1, "the golden set must hold detections to compare with");

        using var detector = OnnxDetector.Load(Details.Recommended.Apply(new DetectorOptions { ExecutionProviders = ["CPU"] }, EdgeModel), NullLogger.Instance);
        Assert.Null(GoldenSetCheck.Run(detector, package.Manifest.Golden, f => package.Files[f.Path]));
    }

    [Fact]
    public void Run_OtherWeightsOnTheGoldenSet_Disagree()
    {
        using var key = TestPackages.NewKey();
        var images = ModelPacker.GoldenImages(seed: 4242, count: 3).Select(g => g.Png).ToList();
        using var archive = new MemoryStream();
        var manifest = ModelPackageBuilder.Build(EdgeModel, images, Details, key, TimeProvider.System, archive);

        // Another model that loads and follows the contract, in place of the packaged one: its golden run differs.
        using var directory = new TempDirectory();
        var otherPath = TestModels.Grid(directory.File("other.onnx"), YoloOutputLayout.YoloV8);
        using var other = OnnxDetector.Load(Details.Recommended.Apply(new DetectorOptions { ExecutionProviders = ["CPU"] }, otherPath), NullLogger.Instance);
        var byPath = manifest.Golden.Frames.Select((f, i) => (f.Image.Path, images[i])).ToDictionary(p => p.Path, p => p.Item2);

        Assert.NotNull(GoldenSetCheck.Run(other, manifest.Golden, f => byPath[f.Path]));
    }

    private static string EdgeModel => RepositoryRoot.Combine("models", "edge", "inspection-edge.onnx");
}
