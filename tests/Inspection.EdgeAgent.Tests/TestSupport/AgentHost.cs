using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>Builds the real agent host (AddEdgeAgent) with in-memory settings.</summary>
internal static class AgentHost
{
    public static IHost Build(string contentRoot, IDictionary<string, string?> settings, ILoggerProvider? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = contentRoot,
            EnvironmentName = "Test",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.AddEdgeAgent();
        return builder.Build();
    }

    /// <summary>
    /// Settings for a device on a folder source, the given model, database, cloud and broker. The device pins a fresh
    /// control key (in <c>control-keys</c> beside the database) that nothing signs with, unless a test sets its own.
    /// </summary>
    public static Dictionary<string, string?> Settings(string folder, string modelPath, string databasePath, string cloudAddress, int mqttPort) => new()
    {
        ["Control:TrustedKeysPath"] = PinnedControlKey(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(databasePath))!, "control-keys")),
        ["Edge:DeviceId"] = "cam-host",
        ["Edge:LineId"] = "line-3",
        ["Capture:Source"] = "folder:" + folder,
        ["Detector:ModelPath"] = modelPath,
        ["Detector:ExecutionProviders:0"] = "CPU",
        ["Detector:WarmupRuns"] = "1",
        // The band the brightness model's grey levels are laid out around (TestModels.BrightnessBand).
        ["Decision:Lower"] = "0.25",
        ["Decision:Upper"] = "0.85",
        ["Storage:Path"] = databasePath,
        ["Cloud:Address"] = cloudAddress,
        ["Cloud:PollIntervalMilliseconds"] = "50",
        ["Mqtt:Port"] = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mqtt:ReconnectDelaySeconds"] = "1",
        ["Reporting:IntervalSeconds"] = "1",
    };

    private static string PinnedControlKey(string folder)
    {
        if (!Directory.Exists(folder) || Directory.GetFiles(folder, "*.pem").Length == 0)
        {
            ControlKey.Create(folder).Dispose();
        }

        return folder;
    }
}
