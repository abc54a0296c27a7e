using Microsoft.Extensions.Configuration;
using System.ComponentModel.DataAnnotations;

namespace Inspection.Detection.Tests;

public sealed class ExecutionProviderChainTests
{
    [Fact]
    public void Resolve_MixedCaseWithoutCpu_ReturnsCanonicalNamesWithCpuLast()
    {
        Assert.Equal(["TensorRT", "CUDA", "CPU"], ExecutionProviderChain.Resolve(["tensorrt", " cuda "]));
    }

    [Fact]
    public void Resolve_Duplicates_KeepsFirstOccurrence()
    {
        Assert.Equal(["CUDA", "CPU"], ExecutionProviderChain.Resolve(["CUDA", "cpu", "Cuda"]));
    }

    [Fact]
    public void Resolve_Empty_ReturnsDefaultChain()
    {
        Assert.Equal(["TensorRT", "CUDA", "CPU"], ExecutionProviderChain.Resolve([]));
    }

    [Fact]
    public void Bind_ConfiguredProviders_ReplaceDefaultChain()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Detector:ExecutionProviders:0"] = "CPU" })
            .Build();
        var options = new DetectorOptions();

        ConfigurationBinder.Bind(configuration.GetSection(DetectorOptions.SectionName), options);

        Assert.Equal(["CPU"], ExecutionProviderChain.Resolve(options.ExecutionProviders));
    }

    [Fact]
    public void Resolve_UnknownName_ThrowsListingKnownNames()
    {
        var error = Assert.Throws<ArgumentException>(() => ExecutionProviderChain.Resolve(["TensorRT", "OpenVINO"]));

        Assert.Contains("\"OpenVINO\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("TensorRT, CUDA, CPU", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DetectorOptionsValidation_UnknownProvider_ReportsIt()
    {
        var options = new DetectorOptions { ModelPath = "model.onnx", ExecutionProviders = ["GPU"] };
        var results = new List<ValidationResult>();

        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.False(valid);
        var result = Assert.Single(results);
        Assert.Contains("\"GPU\"", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal([nameof(DetectorOptions.ExecutionProviders)], result.MemberNames);
    }

    [Fact]
    public void DetectorOptionsValidation_Defaults_AreValidOnceModelPathIsSet()
    {
        var options = new DetectorOptions { ModelPath = "model.onnx" };

        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }
}
