using System.Globalization;
using Inspection.EdgeAgent;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// The edge agent's real control host (<see cref="EdgeAgentExtensions.AddEdgeControl"/>: MQTT session, desired states,
/// reviewed verdicts, reported state) on a LiteDB file in a folder the test owns, pinning the control keys in
/// <c>keys</c>, with no model. Restartable: a new host over the same file and client id.
/// </summary>
internal sealed class LineDevice : IAsyncDisposable
{
    private readonly IHost _host;

    private LineDevice(IHost host)
    {
        _host = host;
        Database = host.Services.GetRequiredService<EdgeDatabase>();
        Stats = host.Services.GetRequiredService<EdgeStats>();
        Worker = host.Services.GetServices<IHostedService>().OfType<MqttControlWorker>().Single();
    }

    public EdgeDatabase Database { get; }

    public EdgeStats Stats { get; }

    public MqttControlWorker Worker { get; }

    /// <summary>Starts device <paramref name="deviceId"/> with its database in <paramref name="folder"/>, against the broker on <paramref name="port"/>.</summary>
    public static async Task<LineDevice> StartAsync(string deviceId, string folder, string keys, int port, Action<EdgeDatabase>? seed = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = folder, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:DeviceId"] = deviceId,
            ["Edge:LineId"] = "line-1",
            ["Storage:Path"] = Path.Combine(folder, "edge.db"),
            ["Mqtt:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Mqtt:ReconnectDelaySeconds"] = "1",
            ["Reporting:IntervalSeconds"] = "1",
            ["Control:TrustedKeysPath"] = keys,
            ["Ota:TrustedKeysPath"] = keys,
            ["Ota:ModelsPath"] = Path.Combine(folder, "models"),
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IModelSwitch, NoModelSwitch>();
        builder.AddEdgeControl();
        var device = new LineDevice(builder.Build());
        seed?.Invoke(device.Database);
        await device._host.StartAsync(TestContext.Current.CancellationToken);
        return device;
    }

    public Task StopAsync() => _host.StopAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}
