using System.Collections.Concurrent;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Control;
using Inspection.EdgeAgent.Diagnostics;
using Inspection.EdgeAgent.Inspection;
using Inspection.EdgeAgent.Ota;
using Inspection.EdgeAgent.Storage;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Inspection.EdgeAgent.Tests.TestSupport;

/// <summary>
/// A real agent host inspecting a looping folder of grey frames (pass, uncertain and defect) with the brightness
/// model, a package server on loopback, and a publisher. The desired state is applied to the device directly (MQTT is
/// tested elsewhere); every OTA step the device publishes is collected.
/// </summary>
internal sealed class UpdateScenario : IAsyncDisposable
{
    private readonly TempDirectory _temp;
    private readonly RefusedPort _noBroker = LoopbackPort.Refused();
    private long _desiredVersion;
    private IHost? _host;

    private UpdateScenario(TempDirectory temp, PackageServer server, OtaPackages packages, byte[]? levels)
    {
        _temp = temp;
        Server = server;
        Packages = packages;
        Frames = temp.Folder("frames");
        levels ??= [TestModels.PassGrey, TestModels.PassGrey, TestModels.UncertainGrey, TestModels.DefectGrey, TestModels.PassGrey];
        for (var i = 0; i < levels.Length; i++)
        {
            TestSupport.Frames.WriteImage(Path.Combine(Frames, $"{i:D3}.png"), levels[i]);
        }

        ConfiguredModel = TestModels.Brightness(temp.File("configured.onnx"));
    }

    public PackageServer Server { get; }

    public OtaPackages Packages { get; }

    public string Frames { get; }

    public string ConfiguredModel { get; }

    public string ModelsPath => System.IO.Path.Combine(_temp.Path, "models");

    public IHost Host => _host ?? throw new InvalidOperationException("Start the agent first.");

    public ConcurrentQueue<OtaProgress> Progress { get; } = new();

    public string TempFile(string name) => _temp.File(name);

    /// <summary>A scenario whose looping line shows frames of these grey levels, in order (default: pass, pass, uncertain, defect, pass).</summary>
    public static async Task<UpdateScenario> CreateAsync(byte[]? levels = null)
    {
        var temp = new TempDirectory();
        var server = await PackageServer.StartAsync(temp.Folder("served"));
        return new UpdateScenario(temp, server, new OtaPackages(temp.Folder("publisher"), server), levels);
    }

    /// <summary>Starts the agent (again, after <see cref="StopAsync"/>) with the scenario's settings and any overrides.</summary>
    public async Task StartAsync(params (string Key, string Value)[] overrides)
    {
        var settings = AgentHost.Settings(Frames, ConfiguredModel, _temp.File("edge.db"), "http://127.0.0.1:1", _noBroker.Port);
        settings["Capture:Loop"] = "true";
        settings["Capture:MaxFps"] = "100";
        settings["Detector:IntraOpThreads"] = "1";
        settings["Decision:Lower"] = "0.3";
        settings["Decision:Upper"] = "0.75";
        settings["Detector:ScoreThreshold"] = "0.05";
        settings["Ota:TrustedKeysPath"] = Packages.TrustFolder;
        settings["Ota:ModelsPath"] = ModelsPath;
        settings["Ota:ShadowFrames"] = "10";
        settings["Ota:HealthFrames"] = "15";
        settings["Ota:MinFreeDiskMegabytes"] = "1";
        settings["Ota:MaxRetryDelaySeconds"] = "1";
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var host = AgentHost.Build(_temp.Path, settings);
        host.Services.GetRequiredService<OtaProgressFeed>().Published += Collect;
        try
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        _host = host;
    }

    public async Task StopAsync()
    {
        if (_host is null)
        {
            return;
        }

        await _host.StopAsync(TestContext.Current.CancellationToken);
        _host.Services.GetRequiredService<OtaProgressFeed>().Published -= Collect;
        _host.Dispose();
        _host = null;
    }

    /// <summary>
    /// From the next pass through the folder on, the line shows only frames of grey <paramref name="level"/>: every
    /// file is replaced by a rename, so the camera never reads a half-written image.
    /// </summary>
    public void ShowOnTheLine(byte level)
    {
        var next = _temp.File("next-frame.png");
        foreach (var file in Directory.GetFiles(Frames, "*.png"))
        {
            TestSupport.Frames.WriteImage(next, level);
            File.Move(next, file, overwrite: true);
        }
    }

    /// <summary>Applies a desired state naming <paramref name="target"/>, as the MQTT worker does when the cloud publishes one.</summary>
    public void Desire(ModelTarget target) =>
        Host.Services.GetRequiredService<DeviceState>().Apply(new DesiredState(MqttPayloads.SchemaVersion, ++_desiredVersion, DegradationModes.Normal, Model: target));

    /// <summary>Applies a desired state with a one-step rollback (and the model it names, if any), as the cloud sends after an accuracy gate fails.</summary>
    public void DesireRollback(ModelRollback rollback, ModelTarget? model) =>
        Host.Services.GetRequiredService<DeviceState>().Apply(new DesiredState(MqttPayloads.SchemaVersion, ++_desiredVersion, DegradationModes.Normal, Model: model, Rollback: rollback));

    /// <summary>Waits for the update to <paramref name="release"/> to end, and returns its last step.</summary>
    public async Task<OtaProgress> EndedAsync(long release)
    {
        OtaProgress? last = null;
        await Eventually.UntilAsync(
            () => (last = Progress.LastOrDefault(p => p.Release == release && OtaStates.IsFinal(p.State))) is not null,
            $"the update to release {release} to end (steps so far: {string.Join(", ", Progress.Select(p => $"{p.Release}:{p.State}"))})",
            TimeSpan.FromSeconds(60));
        return last!;
    }

    /// <summary>The states the update to <paramref name="release"/> went through, each once, in order.</summary>
    public List<string> StatesOf(long release) =>
        [.. Progress.Where(p => p.Release == release).Select(p => p.State).Aggregate(new List<string>(), (list, state) =>
        {
            if (list.Count == 0 || list[^1] != state)
            {
                list.Add(state);
            }

            return list;
        })];

    public LoadedModel Current => Host.Services.GetRequiredService<ActiveModel>().Current;

    public EdgeStats Stats => Host.Services.GetRequiredService<EdgeStats>();

    /// <summary>Waits until at least <paramref name="frames"/> more frames have been inspected.</summary>
    public Task MoreFramesAsync(int frames)
    {
        var from = Stats.Frames;
        return Eventually.UntilAsync(() => Stats.Frames >= from + frames, $"{frames} more frames inspected");
    }

    /// <summary>Every stored result's sequence and the release of the model that decided it.</summary>
    public List<(long Sequence, long? Release)> Results()
    {
        var results = Host.Services.GetRequiredService<EdgeDatabase>().ResultCollection;
        return [.. results.FindAll().OrderBy(r => r.Id).Select(r => (r.Id, r.ModelRelease))];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Packages.Dispose();
        await Server.DisposeAsync();
        _noBroker.Dispose();
        _temp.Dispose();
    }

    private void Collect(OtaProgress progress) => Progress.Enqueue(progress);
}
