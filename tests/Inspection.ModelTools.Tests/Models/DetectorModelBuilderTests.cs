using Inspection.ModelTools.Models;
using Inspection.ModelTools.Tests.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Inspection.ModelTools.Tests.Models;

public sealed class DetectorModelBuilderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("detector-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Designs => new(ModelCatalog.All.Select(d => d.FileName));

    private static ModelDesign Design(string fileName) => ModelCatalog.All.Single(d => d.FileName == fileName);

    [Theory]
    [MemberData(nameof(Designs))]
    public void Build_SameDesign_SameBytes(string fileName)
    {
        Assert.Equal(DetectorModelBuilder.Build(Design(fileName)).ToBytes(), DetectorModelBuilder.Build(Design(fileName)).ToBytes());
    }

    [Theory]
    [MemberData(nameof(Designs))]
    public void CommittedModel_MatchesFreshBuild(string fileName)
    {
        // The files under models/ are what the edge and cloud ship; they must be exactly what the code builds.
        var committed = File.ReadAllBytes(Path.Combine(RepositoryPaths.Models, fileName));

        Assert.True(
            DetectorModelBuilder.Build(Design(fileName)).ToBytes().AsSpan().SequenceEqual(committed),
            $"models/{fileName} is stale; rebuild with 'dotnet run --project models/Inspection.ModelTools -- build --out models'.");
    }

    [Theory]
    [MemberData(nameof(Designs))]
    public void ModelCard_ListsSha256OfCommittedModel(string fileName)
    {
        var sha = Inspection.ModelTools.Models.BuildCommand.Sha256(Path.Combine(RepositoryPaths.Models, fileName));

        Assert.Contains(sha, File.ReadAllText(Path.Combine(RepositoryPaths.Models, "README.md")), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Designs))]
    public void Build_Model_PassesOnnxChecker(string fileName)
    {
        OnnxChecker.RequireAvailable();
        var path = Path.Combine(_dir, Path.GetFileName(fileName));
        DetectorModelBuilder.Build(Design(fileName)).Save(path);

        var (exitCode, output) = OnnxChecker.Check(path);

        Assert.True(exitCode == 0, output);
    }

    [Theory]
    [MemberData(nameof(Designs))]
    public void Build_Model_HasUltralyticsLayoutAndMetadata(string fileName)
    {
        var design = Design(fileName);
        var path = Path.Combine(_dir, Path.GetFileName(fileName));
        DetectorModelBuilder.Build(design).Save(path);

        using var session = new InferenceSession(path);

        var s = design.InputSize;
        Assert.Equal([1, 3, s, s], session.InputMetadata["images"].Dimensions);
        Assert.Equal([1, 6, (s / 8) * (s / 8)], session.OutputMetadata["output0"].Dimensions);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("{0: 'scratch', 1: 'spot'}", metadata["names"]);
        Assert.Equal($"[{s}, {s}]", metadata["imgsz"]);
        Assert.Equal("8", metadata["stride"]);
        Assert.Equal("detect", metadata["task"]);
        Assert.Equal("1", metadata["batch"]);
        Assert.Equal("1.0.0", metadata["version"]);
        foreach (var key in new[] { "description", "author", "date", "license" })
        {
            Assert.False(string.IsNullOrWhiteSpace(metadata[key]), key);
        }
    }

    [Fact]
    public void Build_InputNotMultipleOfStride_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => DetectorModelBuilder.Build(ModelCatalog.Edge with { InputSize = 324 }));

        Assert.Contains("multiple of the stride", error.Message);
    }
}
