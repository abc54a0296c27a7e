using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Inspection.Contracts.Api;
using Inspection.Contracts.Rollouts;
using Inspection.Detection.Packaging;
using Inspection.FleetSimulator;
using Inspection.ModelTools.Packaging;

namespace Inspection.CloudInference.Bench;

/// <summary>
/// <c>bench-rollout</c>: the real cloud (its own process: embedded broker, registry, rollout controller, LiteDB) and a
/// simulated fleet in this process (each device runs the agent's own MQTT control and update code: real downloads
/// with Range, real SHA-256 and signature checks; inference simulated). Run 1 rolls the shipped edge model, packed as
/// release 1, out to every device of a clean fleet and prints command → all committed and → completed; run 2 does the
/// same on a second fleet with a share of devices whose golden set fails and prints where the rollout halted. The
/// cloud's CPU and memory are sampled throughout. Measures; asserts nothing.
/// </summary>
public static class RolloutBench
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Create()
    {
        var devices = new Option<int>("--devices") { Description = "Simulated devices per fleet.", DefaultValueFactory = _ => 100 };
        var faulty = new Option<double>("--faulty") { Description = "Share of the second fleet whose golden set fails.", DefaultValueFactory = _ => 0.03 };
        var canary = new Option<int>("--canary") { Description = "Canary devices.", DefaultValueFactory = _ => 5 };
        var waves = new Option<string>("--waves") { Description = "Cumulative wave percentages.", DefaultValueFactory = _ => "25,100" };
        var concurrent = new Option<int>("--max-concurrent") { Description = "Devices updating at once.", DefaultValueFactory = _ => 100 };
        var failures = new Option<int>("--max-failures") { Description = "Failure threshold (devices) of run 2.", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { Description = "Which devices get the fault.", DefaultValueFactory = _ => 7 };
        var cloudDll = new Option<FileInfo>("--cloud") { Description = "The built cloud service.", DefaultValueFactory = _ => new FileInfo(Built("cloud-inference/Inspection.CloudInference/bin/{0}/net10.0/Inspection.CloudInference.dll")) };
        var command = new Command("bench-rollout", "Time a rollout to a simulated fleet through the real cloud: command → all committed, where a rollout with faulty devices halts, the cloud's CPU and memory.")
        {
            devices, faulty, canary, waves, concurrent, failures, seed, cloudDll,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cloud = parse.GetValue(cloudDll)!;
            if (!cloud.Exists)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"bench-rollout: no cloud service at '{cloud.FullName}'; build Inspection.sln first.").ConfigureAwait(false);
                return 2;
            }

            var plan = new Plan(
                Math.Max(1, parse.GetValue(devices)),
                parse.GetValue(faulty),
                parse.GetValue(canary),
                [.. parse.GetValue(waves)!.Split(',').Select(w => double.Parse(w, CultureInfo.InvariantCulture))],
                parse.GetValue(concurrent),
                parse.GetValue(failures),
                parse.GetValue(seed));
            await RunAsync(cloud.FullName, plan, parse.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(string cloudDll, Plan plan, TextWriter output, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("bench-rollout-").FullName;
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var trusted = Directory.CreateDirectory(Path.Combine(folder, "trusted-keys")).FullName;
            await File.WriteAllTextAsync(Path.Combine(trusted, "publisher.pem"), key.ExportSubjectPublicKeyInfoPem(), cancellationToken).ConfigureAwait(false);
            var (httpPort, grpcPort, brokerPort) = (FreePort(), FreePort(), FreePort());
            var api = new Uri($"http://127.0.0.1:{httpPort}/");
            var token = await AdminTokenAsync(cloudDll, folder, cancellationToken).ConfigureAwait(false);
            using var cloud = StartCloud(cloudDll, folder, trusted, httpPort, grpcPort, brokerPort);
            using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            await WaitAsync(async () => (await http.GetAsync("healthz", cancellationToken).ConfigureAwait(false)).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "the cloud to start", cloud).ConfigureAwait(false);
            using (var package = new ByteArrayContent(Package(key)))
            {
                package.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
                (await http.PostAsync("api/models", package, cancellationToken).ConfigureAwait(false)).EnsureSuccessStatusCode();
            }

            using var sampler = new ProcessSampler(cloud);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"bench-rollout: {plan.Devices} simulated devices per fleet, canary {plan.Canary}, waves {string.Join(",", plan.Waves)} %, at most {plan.MaxConcurrent} updating at once; {BenchPaths.Cpu()}, {Environment.ProcessorCount} cores"));

            foreach (var (name, faulty) in new[] { ("clean", 0.0), ("faulty", plan.Faulty) })
            {
                var options = new FleetOptions
                {
                    Devices = plan.Devices,
                    IdPrefix = $"{name}-",
                    Tags = [name],
                    BrokerPort = brokerPort,
                    TrustedKeys = trusted,
                    // The public half of the key the cloud generated beside its database at start.
                    ControlKeys = Path.Combine(folder, "control-keys"),
                    Data = Path.Combine(folder, $"fleet-{name}"),
                    EscalationRate = 0.05,
                    Seed = plan.Seed,
                    FailGolden = faulty,
                    ReportSeconds = 2,
                };
                var started = Stopwatch.StartNew();
                await using var fleet = await SimulatedFleet.StartAsync(options, null, cancellationToken).ConfigureAwait(false);
                await WaitAsync(
                    async () => (await http.GetFromJsonAsync<FleetSnapshot>("api/fleet", Json, cancellationToken).ConfigureAwait(false))!.Devices
                        .Count(d => d.DeviceId.StartsWith(options.IdPrefix, StringComparison.Ordinal) && d.Online == true && d.Reported is not null) == plan.Devices,
                    TimeSpan.FromSeconds(300),
                    $"{plan.Devices} devices of the {name} fleet to report",
                    cloud).ConfigureAwait(false);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} fleet: {plan.Devices} devices online and reporting after {started.Elapsed.TotalSeconds:0.0} s (delays: load {options.LoadMs} ms, golden {options.GoldenMs} ms, shadow {options.ShadowMs} ms, health window {options.HealthMs} ms)"));
                if (fleet.Faults.Count > 0)
                {
                    output.WriteLine($"  devices whose golden set fails: {string.Join(", ", fleet.Faults.Keys.Order(StringComparer.Ordinal))}");
                }

                await RolloutAsync(http, plan, name, faulty > 0, sampler, output, cancellationToken).ConfigureAwait(false);
                await fleet.StopAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task RolloutAsync(HttpClient http, Plan plan, string tag, bool faulty, ProcessSampler sampler, TextWriter output, CancellationToken cancellationToken)
    {
        var strategy = new RolloutStrategy(
            new CanarySpec(plan.Canary),
            plan.Waves,
            FailureThreshold: new FailureThreshold(Count: faulty ? plan.MaxFailures : 1),
            DeviceTimeoutSeconds: 120,
            MaxConcurrentUpdates: plan.MaxConcurrent,
            AccuracyGate: new AccuracyGate(Escalations: 5, Minutes: 0.1));
        sampler.Reset();
        var clock = Stopwatch.StartNew();
        var response = await http.PostAsJsonAsync("api/rollouts", new RolloutRequest(1, new RolloutTarget(Tag: tag), strategy), Json, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var id = (await response.Content.ReadFromJsonAsync<RolloutView>(Json, cancellationToken).ConfigureAwait(false))!.Id;
        double? allCommitted = null;
        RolloutView view;
        while (true)
        {
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            sampler.Sample();
            view = (await http.GetFromJsonAsync<RolloutView>($"api/rollouts/{id}", Json, cancellationToken).ConfigureAwait(false))!;
            if (allCommitted is null && view.Counts.Watching + view.Counts.Succeeded == plan.Devices)
            {
                allCommitted = clock.Elapsed.TotalSeconds;
            }

            if (RolloutStates.IsFinal(view.State) || view.State == RolloutStates.Halted)
            {
                break;
            }
        }

        var ended = clock.Elapsed.TotalSeconds;
        var waves = string.Join("; ", view.Waves.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Name} {w.Devices} {w.State}")));
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  rollout {id} ({tag}): command → all {plan.Devices} committed {(allCommitted is { } t ? $"{t:0.0} s" : "never")}; → {view.State} {ended:0.0} s ({waves})"));
        if (view.State == RolloutStates.Halted)
        {
            var failed = view.Devices.Where(d => d.State == RolloutDeviceStates.Failed).ToList();
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  halted in {(view.CurrentWave == 0 ? "the canary" : $"wave {view.CurrentWave}")}: {view.Counts.Succeeded + view.Counts.Watching} committed, {view.Counts.Updating} still updating, {view.Counts.Failed} failed ({string.Join(", ", failed.Select(d => d.DeviceId))}), {view.Counts.Pending + view.Counts.Waiting} not started"));
            output.WriteLine($"  reason: {view.Reason}");
        }

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  cloud during the rollout: CPU mean {sampler.MeanCores:0.00} cores, peak {sampler.PeakCores:0.00} (per 200 ms); memory {sampler.FirstRssMb:0} → peak {sampler.PeakRssMb:0} MB RSS"));
    }

    // The bench's admin account, written by the cloud's own command before it starts; its token signs the API calls.
    private static async Task<string> AdminTokenAsync(string dll, string folder, CancellationToken cancellationToken)
    {
        var store = $"--Cloud:StoragePath={Path.Combine(folder, "cloud.db")}";
        await RunCloudCommandAsync(dll, ["accounts", "add", "--name", "bench", "--role", "admin", "--password-stdin", store], "bench-password-1", cancellationToken).ConfigureAwait(false);
        return (await RunCloudCommandAsync(dll, ["accounts", "token", "--name", "bench", store], null, cancellationToken).ConfigureAwait(false)).Trim();
    }

    private static async Task<string> RunCloudCommandAsync(string dll, string[] args, string? input, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        await process.StandardInput.WriteLineAsync((input ?? "").AsMemory(), cancellationToken).ConfigureAwait(false);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return process.ExitCode == 0
            ? await output.ConfigureAwait(false)
            : throw new InvalidOperationException($"'{string.Join(' ', args.Take(2))}' failed ({process.ExitCode}): {await error.ConfigureAwait(false)}");
    }

    private static Process StartCloud(string dll, string folder, string trusted, int httpPort, int grpcPort, int brokerPort)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
                 {
                     dll,
                     $"--Cloud:HttpUrl=http://127.0.0.1:{httpPort}", $"--Cloud:GrpcUrl=http://127.0.0.1:{grpcPort}",
                     $"--Cloud:Broker:Port={brokerPort}", $"--Cloud:Mqtt:Port={brokerPort}",
                     $"--Cloud:StoragePath={Path.Combine(folder, "cloud.db")}",
                     $"--Cloud:Models:StoragePath={Path.Combine(folder, "registry")}", $"--Cloud:Models:TrustedKeysPath={trusted}",
                     $"--Detector:ModelPath={Built("models/cloud/inspection-cloud.onnx")}",
                     "--Cloud:Rollouts:TickMilliseconds=250", "--Logging:LogLevel:Default=Warning",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var log = Path.Combine(folder, "cloud.log");
        _ = process.StandardOutput.BaseStream.CopyToAsync(File.Create(log));
        _ = process.StandardError.BaseStream.CopyToAsync(File.Create(log + ".err"));
        return process;
    }

    private static byte[] Package(ECDsa key)
    {
        using var archive = new MemoryStream();
        ModelPackageBuilder.Build(
            Built("models/edge/inspection-edge.onnx"),
            [.. ModelPacker.GoldenImages(4242, 3).Select(g => g.Png)],
            new PackageDetails(1, "inspection-edge", null, new RecommendedSettings(0.25f, 0.85f, 0.15f, 0.3f, false), "1.0.0", GoldenTolerance.Default),
            key,
            TimeProvider.System,
            archive);
        return archive.ToArray();
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Process cloud)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (cloud.HasExited)
            {
                throw new InvalidOperationException($"the cloud exited with {cloud.ExitCode} while waiting for {what}");
            }

            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250).ConfigureAwait(false);
        }

        throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A path in the repository (this tool runs from it), with {0} the build configuration.</summary>
    private static string Built(string relative)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        return Path.GetFullPath(string.Format(CultureInfo.InvariantCulture, relative, configuration));
    }

    private sealed record Plan(int Devices, double Faulty, int Canary, IReadOnlyList<double> Waves, int MaxConcurrent, int MaxFailures, int Seed);

    /// <summary>CPU (cores busy) and resident memory of a process, sampled.</summary>
    private sealed class ProcessSampler(Process process) : IDisposable
    {
        private readonly List<double> _cores = [];
        private TimeSpan _lastCpu;
        private long _lastAt;

        public double MeanCores => _cores.Count == 0 ? 0 : _cores.Average();

        public double PeakCores => _cores.Count == 0 ? 0 : _cores.Max();

        public double FirstRssMb { get; private set; }

        public double PeakRssMb { get; private set; }

        public void Reset()
        {
            _cores.Clear();
            process.Refresh();
            _lastCpu = process.TotalProcessorTime;
            _lastAt = Stopwatch.GetTimestamp();
            FirstRssMb = PeakRssMb = process.WorkingSet64 / 1048576.0;
        }

        public void Sample()
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var now = Stopwatch.GetTimestamp();
            var wall = Stopwatch.GetElapsedTime(_lastAt, now).TotalSeconds;
            if (wall > 0)
            {
                _cores.Add((cpu - _lastCpu).TotalSeconds / wall);
            }

            (_lastCpu, _lastAt) = (cpu, now);
            PeakRssMb = Math.Max(PeakRssMb, process.WorkingSet64 / 1048576.0);
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
    }
}
