using System.Globalization;
using System.Text.Json;
using Inspection.ModelTools.Models;
using Inspection.ModelTools.Tests.Onnx;

namespace Inspection.ModelTools.Tests.Models;

/// <summary>The committed model files, their card, and the band the agent ships with.</summary>
public sealed class ShippedModelsTests
{
    public static TheoryData<string> Files => new(ShippedModels.All);

    [Theory]
    [MemberData(nameof(Files))]
    public void ShippedModel_PassesOnnxFullCheck(string fileName)
    {
        OnnxChecker.RequireAvailable();

        var (exitCode, output) = OnnxChecker.Check(Path.Combine(RepositoryPaths.Models, fileName));

        Assert.True(exitCode == 0, output);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ShippedModel_AtMostTenMegabytes(string fileName)
    {
        Assert.InRange(new FileInfo(Path.Combine(RepositoryPaths.Models, fileName)).Length, 1, 10 * 1024 * 1024);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ModelCard_ListsSha256OfShippedModel(string fileName)
    {
        var card = File.ReadAllText(Path.Combine(RepositoryPaths.Models, "README.md"));

        Assert.Contains(ModelFile.Sha256(Path.Combine(RepositoryPaths.Models, fileName)), card, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("edge-agent/Inspection.EdgeAgent/appsettings.json")]
    [InlineData("deploy/jetson/edge-agent.json")]
    public void AgentConfiguration_ShipsTheChosenBandAndNms(string configuration)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, configuration)));
        var decision = json.RootElement.GetProperty("Decision");

        Assert.Equal(ShippedModels.Band.Lower, decision.GetProperty("Lower").GetSingle());
        Assert.Equal(ShippedModels.Band.Upper, decision.GetProperty("Upper").GetSingle());
        Assert.Equal(ShippedModels.NmsIou, json.RootElement.GetProperty("Detector").GetProperty("IouThreshold").GetSingle());
        if (json.RootElement.GetProperty("Detector").TryGetProperty("ScoreThreshold", out var threshold))
        {
            Assert.True(threshold.GetSingle() <= ShippedModels.Band.Lower, $"{configuration}: Detector:ScoreThreshold {threshold} is above the band's lower edge");
        }
    }

    [Fact]
    public void CloudConfiguration_ShipsTheModelsNms()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "cloud-inference/Inspection.CloudInference/appsettings.json")));

        Assert.Equal(ShippedModels.NmsIou, json.RootElement.GetProperty("Detector").GetProperty("IouThreshold").GetSingle());
    }

    [Fact]
    public void ModelCard_StatesTheChosenBand()
    {
        var card = File.ReadAllText(Path.Combine(RepositoryPaths.Models, "README.md"));

        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"lower {ShippedModels.Band.Lower:0.00}, upper {ShippedModels.Band.Upper:0.00}"), card, StringComparison.Ordinal);
    }
}
