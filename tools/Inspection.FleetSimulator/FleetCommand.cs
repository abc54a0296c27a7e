using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Inspection.FleetSimulator.Devices;
using Microsoft.Extensions.Logging;

namespace Inspection.FleetSimulator;

/// <summary>
/// The command line: options into <see cref="FleetOptions"/>, a <see cref="SimulatedFleet"/> run until
/// <c>--duration</c> or Ctrl+C, a summary line every few seconds (devices online, per OTA state, this process's memory
/// and CPU) and a final summary with every faulty device's end state.
/// </summary>
public static class FleetCommand
{
    private static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(5);

    public static RootCommand Create()
    {
        var defaults = new FleetOptions();
        var devices = Option("--devices", "Simulated devices.", defaults.Devices);
        var idPrefix = Option("--id-prefix", "Device ids are this and a number from 1 (sim-0001, …).", defaults.IdPrefix);
        var line = Option("--line", "Lines are named this and a number (line-1, …).", defaults.Line);
        var lines = Option("--lines", "Lines the devices are spread over, round robin.", defaults.Lines);
        var tags = Option("--tags", "Tags every device reports, comma-separated (rollouts can target them).", string.Empty);
        var brokerHost = Option("--broker-host", "The MQTT broker's host.", defaults.BrokerHost);
        var brokerPort = Option("--broker-port", "The MQTT broker's port.", defaults.BrokerPort);
        var trustedKeys = Option("--trusted-keys", "Folder of the publisher public keys (*.pem) every device trusts.", defaults.TrustedKeys);
        var controlKeys = Option("--control-keys", "Folder of the cloud's control public keys (*.pem) every device pins: control-keys beside the cloud database.", defaults.ControlKeys);
        var data = Option("--data", "Folder of the devices' databases and models (one folder per device; a second run resumes from it).", defaults.Data);
        var fps = Option("--fps", "Frames per second each device counts.", defaults.Fps);
        var escalation = Option("--escalation-rate", "Share of frames decided uncertain (escalated).", defaults.EscalationRate);
        var loadMs = Option("--load-ms", "Time to load and warm a new model.", defaults.LoadMs);
        var goldenMs = Option("--golden-ms", "Time of the golden set.", defaults.GoldenMs);
        var shadowMs = Option("--shadow-ms", "Time of the shadow.", defaults.ShadowMs);
        var healthMs = Option("--health-ms", "Time of the health window after the swap.", defaults.HealthMs);
        var seed = Option("--seed", "Chooses the faulty devices and seeds the frame decisions.", defaults.Seed);
        var failVerify = Option("--fail-verify", "Share of devices whose staged package is damaged, so verification refuses it.", defaults.FailVerify);
        var failGolden = Option("--fail-golden", "Share of devices whose new model fails the golden set.", defaults.FailGolden);
        var hang = Option("--hang", "Share of devices whose update stops in --hang-step and never ends.", defaults.Hang);
        var hangStep = Option("--hang-step", $"The step a hanging update stops in: {string.Join(", ", FleetOptions.HangSteps)}.", defaults.HangStep);
        var offline = Option("--offline", "Share of devices that drop off the broker (last will) when they take up an update.", defaults.Offline);
        var offlineSeconds = Option("--offline-seconds", "How long they stay away (0: for good).", defaults.OfflineSeconds);
        var regress = Option("--regress", "Share of devices whose escalation rate rises once a newer release decides.", defaults.Regress);
        var regressFactor = Option("--regress-factor", "How much it rises (a factor).", defaults.RegressFactor);
        var reportSeconds = Option("--report-seconds", "Seconds between reported-state heartbeats.", defaults.ReportSeconds);
        var duration = Option("--duration", "Seconds to run (0: until Ctrl+C).", 0);
        var logLevel = Option("--log-level", "Lowest level of the devices' log lines on stderr (Trace … Critical, None).", LogLevel.Warning);

        var command = new RootCommand("Simulates a fleet of edge devices in one process: the agent's own MQTT control and model-update code per device, inference replaced by configurable delays and faults.")
        {
            devices, idPrefix, line, lines, tags, brokerHost, brokerPort, trustedKeys, controlKeys, data, fps, escalation,
            loadMs, goldenMs, shadowMs, healthMs, seed, failVerify, failGolden, hang, hangStep, offline, offlineSeconds,
            regress, regressFactor, reportSeconds, duration, logLevel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new FleetOptions
            {
                Devices = parse.GetValue(devices),
                IdPrefix = parse.GetValue(idPrefix)!,
                Line = parse.GetValue(line)!,
                Lines = parse.GetValue(lines),
                Tags = [.. parse.GetValue(tags)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
                BrokerHost = parse.GetValue(brokerHost)!,
                BrokerPort = parse.GetValue(brokerPort),
                TrustedKeys = parse.GetValue(trustedKeys)!,
                ControlKeys = parse.GetValue(controlKeys)!,
                Data = parse.GetValue(data)!,
                Fps = parse.GetValue(fps),
                EscalationRate = parse.GetValue(escalation),
                LoadMs = parse.GetValue(loadMs),
                GoldenMs = parse.GetValue(goldenMs),
                ShadowMs = parse.GetValue(shadowMs),
                HealthMs = parse.GetValue(healthMs),
                Seed = parse.GetValue(seed),
                FailVerify = parse.GetValue(failVerify),
                FailGolden = parse.GetValue(failGolden),
                Hang = parse.GetValue(hang),
                HangStep = parse.GetValue(hangStep)!,
                Offline = parse.GetValue(offline),
                OfflineSeconds = parse.GetValue(offlineSeconds),
                Regress = parse.GetValue(regress),
                RegressFactor = parse.GetValue(regressFactor),
                ReportSeconds = parse.GetValue(reportSeconds),
            };
            var output = parse.InvocationConfiguration.Output;
            if (options.Validate() is { Count: > 0 } errors)
            {
                foreach (var error in errors)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync(error).ConfigureAwait(false);
                }

                return 2;
            }

            var controlFolder = Path.GetFullPath(options.ControlKeys);
            if (!Directory.Exists(controlFolder) || !Directory.EnumerateFiles(controlFolder, "*.pem").Any())
            {
                // Each device would refuse to start without one; say it once, with what to do.
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    $"no control public key (*.pem) in {controlFolder}: pass --control-keys the control-keys folder beside the cloud database").ConfigureAwait(false);
                return 2;
            }

            var seconds = parse.GetValue(duration);
            await RunAsync(options, seconds > 0 ? TimeSpan.FromSeconds(seconds) : null, parse.GetValue(logLevel), output, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Option<T> Option<T>(string name, string description, T defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    private static async Task RunAsync(FleetOptions options, TimeSpan? duration, LogLevel logLevel, TextWriter output, CancellationToken cancellationToken)
    {
        using var logging = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(logLevel)
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            })
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } limit)
        {
            stopping.CancelAfter(limit);
        }

        var keys = Path.GetFullPath(options.TrustedKeys);
        if (!Directory.Exists(keys) || !Directory.EnumerateFiles(keys, "*.pem").Any())
        {
            output.WriteLine($"warning: no publisher key (*.pem) in {keys}: every device will refuse every update");
        }

        using var usage = new ProcessUsage();
        var clock = Stopwatch.StartNew();
        var fleet = await SimulatedFleet.StartAsync(options, logging, cancellationToken).ConfigureAwait(false);
        await using (fleet.ConfigureAwait(false))
        {
            var started = clock.Elapsed;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{options.Devices} devices started in {started.TotalSeconds:0.0} s, data in {Path.GetFullPath(options.Data)}, broker {options.BrokerHost}:{options.BrokerPort}"));
            if (fleet.Faults.Count > 0)
            {
                output.WriteLine($"faults (seed {options.Seed}): {string.Join(", ", fleet.Faults.GroupBy(f => f.Value).OrderBy(g => g.Key).Select(g => $"{FaultPlan.NameOf(g.Key)} {string.Join(' ', g.Select(f => f.Key))}"))}");
            }

            TimeSpan? allOnline = null;
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            var nextSummary = clock.Elapsed + SummaryInterval;
            try
            {
                while (await timer.WaitForNextTickAsync(stopping.Token).ConfigureAwait(false))
                {
                    var summary = fleet.Summarize();
                    if (allOnline is null && summary.Online == summary.Devices)
                    {
                        allOnline = clock.Elapsed;
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"all {summary.Devices} devices online after {allOnline.Value.TotalSeconds:0.0} s"));
                    }

                    if (clock.Elapsed >= nextSummary)
                    {
                        nextSummary = clock.Elapsed + SummaryInterval;
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds,6:0} s  {summary}  [{usage.Sample()}]"));
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // --duration is over, or Ctrl+C.
            }

            var final = fleet.Snapshot();
            var stopClock = Stopwatch.StartNew();
            await fleet.StopAsync(CancellationToken.None).ConfigureAwait(false);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stopped {options.Devices} devices in {stopClock.Elapsed.TotalSeconds:0.0} s"));
            WriteFinal(final, output);
        }
    }

    /// <summary>Where the devices were when the run ended, before they stopped.</summary>
    private static void WriteFinal(IReadOnlyList<DeviceSnapshot> snapshot, TextWriter output)
    {
        output.WriteLine($"final: {FleetSummary.Of(snapshot)}");
        foreach (var release in snapshot.GroupBy(d => d.Model?.Release).OrderBy(g => g.Key))
        {
            output.WriteLine($"  running {(release.Key is { } r ? $"release {r}" : "the configured model")}: {release.Count()} devices");
        }

        foreach (var device in snapshot.Where(d => d.Fault != DeviceFault.None))
        {
            var ota = device.Ota is { } progress ? $"release {progress.Release} {progress.State}{(progress.Reason is { } reason ? $": {reason}" : string.Empty)}" : "no update";
            var rate = device.Frames == 0 ? 0 : (double)device.Uncertain / device.Frames;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {device.Id} ({FaultPlan.NameOf(device.Fault)}): {ota}; escalated {rate:P2} of {device.Frames} frames"));
        }
    }

    /// <summary>This process's memory and CPU since the last sample, for the summary line.</summary>
    private sealed class ProcessUsage : IDisposable
    {
        private readonly Process _process = Process.GetCurrentProcess();
        private TimeSpan _cpu;
        private long _at = Stopwatch.GetTimestamp();

        public ProcessUsage()
        {
            _cpu = _process.TotalProcessorTime;
        }

        public string Sample()
        {
            _process.Refresh();
            var cpu = _process.TotalProcessorTime;
            var wall = Stopwatch.GetElapsedTime(_at);
            var cores = (cpu - _cpu).TotalSeconds / Math.Max(0.001, wall.TotalSeconds);
            (_cpu, _at) = (cpu, Stopwatch.GetTimestamp());
            return string.Create(
                CultureInfo.InvariantCulture,
                $"rss {_process.WorkingSet64 / 1048576} MB, managed {GC.GetTotalMemory(false) / 1048576} MB, cpu {cores:0.00} of {Environment.ProcessorCount} cores, {_process.Threads.Count} threads");
        }

        public void Dispose() => _process.Dispose();
    }
}
