using Inspection.EdgeAgent.Forwarding;
using Inspection.EdgeAgent.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Tests;

[Collection(EnvironmentCollection.Name)]
public sealed class EdgeAgentExtensionsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void AddEdgeAgent_DeviceConfigFile_SettingsComeFromTheFileAndTheCommandLineStillWins()
    {
        var file = _temp.File("edge-agent.json");
        File.WriteAllText(file, """{ "Edge": { "DeviceId": "from-file", "LineId": "line-file" }, "Cloud": { "BatchSize": 8 } }""");

        var options = BuildWith(file, "--Edge:LineId=line-args");

        Assert.Equal(("from-file", "line-args"), (options.Edge.DeviceId, options.Edge.LineId));
        Assert.Equal(8, options.Cloud.BatchSize);
    }

    [Fact]
    public void AddEdgeAgent_DeviceConfigFileMissing_FailsNamingTheFile()
    {
        var missing = _temp.File("nowhere.json");

        var error = Assert.Throws<FileNotFoundException>(() => BuildWith(missing));

        Assert.Contains(missing, error.Message);
        Assert.Contains(EdgeAgentExtensions.ConfigFileVariable, error.Message);
    }

    [Fact]
    public void AddEdgeAgent_ExecutionProvidersConfigured_ReplaceTheDefaultChain()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = ["--Detector:ModelPath=model.onnx", "--Detector:ExecutionProviders:0=CUDA", "--Detector:ExecutionProviders:1=CPU"], ContentRootPath = _temp.Path });
        builder.AddEdgeAgent();
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<Detection.DetectorOptions>>().Value;

        Assert.Equal(["CUDA", "CPU"], options.ExecutionProviders);
    }

    private (EdgeOptions Edge, CloudOptions Cloud) BuildWith(string configFile, params string[] args)
    {
        Environment.SetEnvironmentVariable(EdgeAgentExtensions.ConfigFileVariable, configFile);
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = _temp.Path });
            builder.AddEdgeAgent();
            using var host = builder.Build();
            return (host.Services.GetRequiredService<IOptions<EdgeOptions>>().Value, host.Services.GetRequiredService<IOptions<CloudOptions>>().Value);
        }
        finally
        {
            Environment.SetEnvironmentVariable(EdgeAgentExtensions.ConfigFileVariable, null);
        }
    }

    public void Dispose() => _temp.Dispose();
}
