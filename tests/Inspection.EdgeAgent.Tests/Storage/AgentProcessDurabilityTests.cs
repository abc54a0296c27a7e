using System.Diagnostics;
using System.Text;
using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Storage;
using Inspection.EdgeAgent.Tests.TestSupport;

namespace Inspection.EdgeAgent.Tests.Storage;

/// <summary>The agent as a real process, killed with SIGKILL mid-run (no shutdown code runs, as in a power cut).</summary>
public sealed class AgentProcessDurabilityTests : IDisposable
{
    private const string DeviceId = "cam-kill";
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task AgentKilledHard_Restart_KeepsEveryReportedUncertainFrameAndNeverReusesASequence()
    {
        var folder = _temp.Folder("frames");
        Frames.WriteImage(Path.Combine(folder, "01.png"), TestModels.PassGrey);
        Frames.WriteImage(Path.Combine(folder, "02.png"), TestModels.UncertainGrey);
        Frames.WriteImage(Path.Combine(folder, "03.png"), TestModels.DefectGrey);
        var model = TestModels.Brightness(_temp.File("model.onnx"));
        var database = _temp.File("edge.db");
        await using var broker = await EmbeddedBroker.LaunchAsync();
        await using var fleet = await MqttObserver.ConnectAsync(broker.Port);
        using var control = ControlKey.Create(_temp.Folder("control-keys"));
        string[] args =
        [
            $"--Control:TrustedKeysPath={control.TrustFolder}",
            $"--Edge:DeviceId={DeviceId}",
            $"--Capture:Source=folder:{folder}",
            "--Capture:Loop=true",
            "--Capture:MaxFps=60",
            $"--Detector:ModelPath={model}",
            "--Detector:ExecutionProviders:0=CPU",
            $"--Decision:Lower={TestModels.BrightnessBand.Lower.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            $"--Decision:Upper={TestModels.BrightnessBand.Upper.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            $"--Storage:Path={database}",
            "--Storage:SequenceBlockSize=10",
            "--Cloud:Address=http://127.0.0.1:1",
            $"--Mqtt:Port={broker.Port}",
            "--Mqtt:ReconnectDelaySeconds=1",
            "--Reporting:IntervalSeconds=1",
        ];

        var before = await RunUntilAsync(args, fleet, r => r.Stats.Uncertain >= 5);
        long maxBefore;
        int outboxAfterKill;
        using (var reopened = new EdgeDatabase(database))
        {
            outboxAfterKill = new OutboxStore(reopened).Count();
            maxBefore = Math.Max(reopened.ResultCollection.Max().AsInt64, reopened.OutboxCollection.Max().AsInt64);
        }

        // Every uncertain frame the agent had counted (and reported) was already on disk.
        Assert.True(outboxAfterKill >= before.Stats.Uncertain, $"outbox {outboxAfterKill} < reported uncertain {before.Stats.Uncertain}");

        var after = await RunUntilAsync(args, fleet, r => r.Stats.Frames >= 3);

        Assert.True(after.Stats.LastSequence > maxBefore, $"sequence {after.Stats.LastSequence} after the restart is not above {maxBefore}");
        using var final = new EdgeDatabase(database);
        Assert.True(new OutboxStore(final).Count() >= outboxAfterKill);
    }

    private async Task<ReportedState> RunUntilAsync(string[] args, MqttObserver fleet, Func<ReportedState, bool> condition)
    {
        fleet.Messages.Clear();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _temp.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(AgentBuild.Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            ReportedState? report = null;
            await Eventually.UntilAsync(
                () =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"The agent exited with {process.ExitCode}:{Environment.NewLine}{output}");
                    }

                    report = fleet.PayloadsOn(MqttTopics.Reported(DeviceId))
                        .Select(p => MqttPayloads.TryParseReported(Encoding.UTF8.GetBytes(p), out var r, out _) ? r : null)
                        .OfType<ReportedState>()
                        .LastOrDefault(condition);
                    return report is not null;
                },
                "a reported state from the agent process",
                TimeSpan.FromSeconds(60));
            return report!;
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public void Dispose() => _temp.Dispose();
}
