using System.Buffers;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Inspection.Contracts.Api;
using Inspection.Contracts.Mqtt;
using Inspection.Tests.Shared;
using Inspection.ModelTools.Line;
using LiteDB;
using MQTTnet;

namespace Inspection.EdgeAgent.Bench;

/// <summary>
/// <c>bench-recovery</c>: the agent, the cloud and mosquitto as processes of their own, as on a line. Measures, from
/// outside: (1) kill -9 of the agent → first frame inspected after the restart, with the restart delay the shipped
/// systemd unit gives (<c>RestartSec=</c> read from deploy/jetson); the first frame is the first <c>WATCHDOG=1</c> the
/// inspection loop sends on a notification socket the bench holds, as systemd's would; (2) kill -9 of the cloud → the
/// device degraded (its reported state names the cause), and the cloud back → escalations stored again and the cause
/// left; (3) a broker restart with a mode command issued while it was down → the agent reconnected and reporting, and
/// the command applied. Prints each run and the median and worst; asserts nothing.
/// </summary>
public static class RecoveryBench
{
    private const string DeviceId = "bench-recovery-1";

    public static Command Create()
    {
        var kills = new Option<int>("--kills") { Description = "kill -9 → restart cycles of the agent.", DefaultValueFactory = _ => 10 };
        var outages = new Option<int>("--outages") { Description = "Cloud outages (kill -9, then a restart).", DefaultValueFactory = _ => 3 };
        var brokerRestarts = new Option<int>("--broker-restarts") { Description = "Broker restarts.", DefaultValueFactory = _ => 3 };
        var fps = new Option<int>("--fps") { Description = "Frames per second of the line (Capture:MaxFps).", DefaultValueFactory = _ => 15 };
        var restartSec = new Option<double?>("--restart-sec") { Description = "Restart delay after a kill; default: RestartSec= of deploy/jetson/inspection-edge-agent.service." };
        var command = new Command("bench-recovery", "Measure recovery from outside: agent kill -9 → first inspected frame; cloud lost → degraded → forwarding again; broker restart → reconnected.")
        {
            kills, outages, brokerRestarts, fps, restartSec,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var repo = RepoRoot();
            var unit = Path.Combine(repo, "deploy", "jetson", "inspection-edge-agent.service");
            var delay = parse.GetValue(restartSec) ?? ReadRestartSec(unit);
            var settings = new Settings(
                repo,
                Math.Max(0, parse.GetValue(kills)),
                Math.Max(0, parse.GetValue(outages)),
                Math.Max(0, parse.GetValue(brokerRestarts)),
                Math.Max(1, parse.GetValue(fps)),
                TimeSpan.FromSeconds(delay));
            return await RunAsync(settings, parse.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(Settings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/'))!);
        var edgeDll = Path.Combine(settings.Repo, "edge-agent", "Inspection.EdgeAgent", "bin", configuration, "net10.0", "Inspection.EdgeAgent.dll");
        var cloudDll = Path.Combine(settings.Repo, "cloud-inference", "Inspection.CloudInference", "bin", configuration, "net10.0", "Inspection.CloudInference.dll");
        foreach (var dll in new[] { edgeDll, cloudDll })
        {
            if (!File.Exists(dll))
            {
                await output.WriteLineAsync($"bench-recovery: {dll} is missing; build the solution in {configuration} first (dotnet build Inspection.sln -c {configuration}).").ConfigureAwait(false);
                return 2;
            }
        }

        if (!File.Exists(Mosquitto.Executable))
        {
            await output.WriteLineAsync($"bench-recovery: {Mosquitto.Executable} is missing; install the Debian package mosquitto (./test.sh does).").ConfigureAwait(false);
            return 2;
        }

        var folder = Directory.CreateTempSubdirectory("bench-recovery-").FullName;
        try
        {
            var video = Path.Combine(folder, "line");
            using (var line = new SyntheticLine(6))
            {
                LineExporter.Export(line, video, 150, settings.Fps, images: false, cancellationToken);
            }

            var system = new LineSystem(settings, folder, edgeDll, cloudDll, Path.Combine(video, LineExporter.VideoFileName));
            await using (system.ConfigureAwait(false))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench-recovery: {Environment.ProcessorCount} cores, line at {settings.Fps} fps, restart delay {settings.RestartDelay.TotalSeconds:0.###} s (the unit's RestartSec=), agent/cloud/mosquitto as separate processes"));
                await system.StartAsync(cancellationToken).ConfigureAwait(false);
                await MeasureKillsAsync(system, settings, output, cancellationToken).ConfigureAwait(false);
                await MeasureCloudOutagesAsync(system, settings, output, cancellationToken).ConfigureAwait(false);
                await MeasureBrokerRestartsAsync(system, settings, output, cancellationToken).ConfigureAwait(false);
                await AccountAsync(system, settings, output, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A process still held a file; the temp folder is cleaned by the OS.
            }
        }
    }

    private static async Task MeasureKillsAsync(LineSystem system, Settings settings, TextWriter output, CancellationToken cancellationToken)
    {
        if (settings.Kills == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("(1) agent kill -9 → first frame inspected after the restart");
        output.WriteLine("run  restart delay  start→first frame  kill→first frame");
        var totals = new List<double>();
        for (var run = 1; run <= settings.Kills; run++)
        {
            var killedAt = await system.KillAgentAsync().ConfigureAwait(false);
            await Task.Delay(settings.RestartDelay, cancellationToken).ConfigureAwait(false);
            var startedAt = Stopwatch.GetTimestamp();
            var firstFrame = await system.StartAgentAsync(cancellationToken).ConfigureAwait(false);
            if (firstFrame is not { } frame)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run,3}  no frame within 60 s; agent output:{Environment.NewLine}{system.AgentTail}"));
                continue;
            }

            var total = Stopwatch.GetElapsedTime(killedAt, frame).TotalSeconds;
            totals.Add(total);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run,3}  {Stopwatch.GetElapsedTime(killedAt, startedAt).TotalSeconds,11:0.000} s  {Stopwatch.GetElapsedTime(startedAt, frame).TotalSeconds,15:0.000} s  {total,14:0.000} s"));
        }

        output.WriteLine(Summary("kill -9 → first inspected frame", totals));
    }

    private static async Task MeasureCloudOutagesAsync(LineSystem system, Settings settings, TextWriter output, CancellationToken cancellationToken)
    {
        if (settings.Outages == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("(2) cloud kill -9 → device degraded; cloud restarted → healthy → escalations stored again, cause left");
        output.WriteLine("outage  lost→degraded  cloud start→healthy  healthy→stored again  healthy→cause left  outbox at return");
        var degrade = new List<double>();
        var resume = new List<double>();
        var leave = new List<double>();
        for (var outage = 1; outage <= settings.Outages; outage++)
        {
            // Frames must be flowing to the cloud before it goes.
            await system.WaitForEscalationsAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            var lostAt = await system.KillCloudAsync().ConfigureAwait(false);
            var degradedAt = await system.Reports.WaitAsync(r => r.Automatic?.Any(a => a.Cause == "cloud-unreachable") == true, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);

            // Down long enough for frames to pile up.
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            var depth = system.Reports.Latest?.Stats.OutboxDepth ?? -1;
            var startedAt = Stopwatch.GetTimestamp();
            var healthyAt = await system.StartCloudAsync(cancellationToken).ConfigureAwait(false);
            var storedAt = await system.WaitForEscalationsAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            var leftAt = await system.Reports.WaitAsync(r => r.Automatic is null || r.Automatic.All(a => a.Cause != "cloud-unreachable"), TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);

            var d = degradedAt is { } at ? Stopwatch.GetElapsedTime(lostAt, at).TotalSeconds : double.NaN;
            var r = storedAt is { } s ? Stopwatch.GetElapsedTime(healthyAt, s).TotalSeconds : double.NaN;
            var l = degradedAt is not null && leftAt is { } x ? Stopwatch.GetElapsedTime(healthyAt, x).TotalSeconds : double.NaN;
            Add(degrade, d);
            Add(resume, r);
            Add(leave, l);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{outage,6}  {Text(d),11} s  {Stopwatch.GetElapsedTime(startedAt, healthyAt).TotalSeconds,17:0.000} s  {Text(r),18} s  {Text(l),16} s  {depth,16}"));
        }

        output.WriteLine(Summary("cloud lost → degraded (reported)", degrade));
        output.WriteLine(Summary("cloud healthy → escalations stored again", resume));
        output.WriteLine(Summary("cloud healthy → cause left (reported)", leave));
    }

    private static async Task MeasureBrokerRestartsAsync(LineSystem system, Settings settings, TextWriter output, CancellationToken cancellationToken)
    {
        if (settings.BrokerRestarts == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("(3) broker restart (a mode command issued while it was down) → agent reporting again, command applied");
        output.WriteLine("restart  broker up→reported again  broker up→command applied");
        var reporting = new List<double>();
        var applied = new List<double>();
        for (var restart = 1; restart <= settings.BrokerRestarts; restart++)
        {
            await system.StopBrokerAsync().ConfigureAwait(false);
            var mode = restart % 2 == 1 ? DegradationModes.LocalOnly : DegradationModes.Normal;
            var issued = await system.SetModeAsync(mode, cancellationToken).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            var upAt = await system.StartBrokerAsync(cancellationToken).ConfigureAwait(false);
            var reportedAt = await system.Reports.WaitAsync(_ => true, TimeSpan.FromSeconds(60), cancellationToken, after: upAt).ConfigureAwait(false);
            var appliedAt = await system.Reports.WaitAsync(r => r.AppliedDesiredVersion >= issued, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            var rep = reportedAt is { } a ? Stopwatch.GetElapsedTime(upAt, a).TotalSeconds : double.NaN;
            var app = appliedAt is { } b ? Math.Max(0, Stopwatch.GetElapsedTime(upAt, b).TotalSeconds) : double.NaN;
            Add(reporting, rep);
            Add(applied, app);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{restart,7}  {Text(rep),20} s  {Text(app),23} s   (desired version {issued}: {mode})"));
        }

        output.WriteLine(Summary("broker up → agent reported again", reporting));
        output.WriteLine(Summary("broker up → command issued while down applied", applied));
        await system.SetModeAsync(DegradationModes.Normal, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Nothing lost across all of it: the device paused (forwarding goes on, inspection stops), its outbox drained, the
    /// agent stopped; every uncertain frame its database holds must have the cloud's verdict, or have been evicted by the
    /// outbox policy (counted), and the cloud must hold each once.
    /// </summary>
    private static async Task AccountAsync(LineSystem system, Settings settings, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine();
        output.WriteLine("(4) nothing lost: the device paused, its outbox drained, the agent stopped; its database against the cloud's");
        await system.SetModeAsync(DegradationModes.Paused, cancellationToken).ConfigureAwait(false);
        var drained = await system.Reports.WaitAsync(r => r.Mode == DegradationModes.Paused && r.Stats.OutboxDepth == 0, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
        if (drained is null)
        {
            output.WriteLine($"the outbox did not drain within 5 minutes (last depth {system.Reports.Latest?.Stats.OutboxDepth}); not counted");
            return;
        }

        await system.StopAgentAsync().ConfigureAwait(false);
        var edge = system.ReadEdgeDatabase();
        var cloud = await system.SummaryAsync(cancellationToken).ConfigureAwait(false);
        var lost = edge.Uncertain - edge.Settled - edge.Evicted - edge.InOutbox;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{edge.Frames} frames recorded across {settings.Kills} kills, {settings.Outages} cloud outages and {settings.BrokerRestarts} broker restarts; {edge.Uncertain} uncertain: {edge.Settled} settled by the cloud, {edge.Evicted} evicted by the outbox policy, {edge.InOutbox} still in the outbox, {lost} lost"));
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"the cloud stored {cloud?.EscalationsStored} escalations (one per key) and answered {cloud?.DuplicatesAnswered} re-sent frames from its store; {edge.Rejected} refused"));
    }

    private static void Add(List<double> values, double value)
    {
        if (!double.IsNaN(value))
        {
            values.Add(value);
        }
    }

    private static string Text(double seconds) => double.IsNaN(seconds) ? "not reached" : seconds.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Summary(string what, List<double> values)
    {
        if (values.Count == 0)
        {
            return $"{what}: not reached in any run";
        }

        var sorted = values.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        return string.Create(CultureInfo.InvariantCulture, $"{what}: median {median:0.000} s, worst {sorted[^1]:0.000} s, best {sorted[0]:0.000} s over {values.Count} runs");
    }

    /// <summary>The unit's <c>RestartSec=</c> in seconds (plain seconds or with an <c>s</c>/<c>ms</c> suffix).</summary>
    internal static double ReadRestartSec(string unitFile)
    {
        foreach (var raw in File.ReadLines(unitFile))
        {
            var line = raw.Trim();
            if (!line.StartsWith("RestartSec=", StringComparison.Ordinal))
            {
                continue;
            }

            var value = line["RestartSec=".Length..].Trim();
            if (value.EndsWith("ms", StringComparison.Ordinal))
            {
                return double.Parse(value[..^2], CultureInfo.InvariantCulture) / 1000;
            }

            return double.Parse(value.TrimEnd('s'), CultureInfo.InvariantCulture);
        }

        // systemd's default.
        return 0.1;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Inspection.sln")))
            {
                return dir.FullName;
            }
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Inspection.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run bench-recovery from the repository (Inspection.sln not found above the bench or the current folder).");
    }

    private static int CandidatePort()
    {
        // The children bind their own ports; a port released here can be taken in between, which a bench run survives
        // by failing loudly.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Settings(string Repo, int Kills, int Outages, int BrokerRestarts, int Fps, TimeSpan RestartDelay);

    /// <summary>mosquitto with persistence in the bench's folder, so a restart keeps sessions and retained states.</summary>
    private sealed class Mosquitto
    {
        public const string Executable = "/usr/sbin/mosquitto";

        public static ChildService Start(string folder, int port)
        {
            var config = Path.Combine(folder, "mosquitto.conf");
            File.WriteAllLines(config,
            [
                "user root",
                $"listener {port} 127.0.0.1",
                "allow_anonymous true",
                "persistence true",
                $"persistence_location {folder}/",
                "autosave_interval 1",
                "log_dest stdout",
                "log_type error",
                "log_type warning",
            ]);
            return ChildService.Start("mosquitto", Executable, ["-c", config], folder);
        }
    }

    /// <summary>The three processes and the bench's own view of the device's reported state.</summary>
    private sealed class LineSystem : IAsyncDisposable
    {
        private readonly Settings _settings;
        private readonly string _folder;
        private readonly string _edgeDll;
        private readonly string _cloudDll;
        private readonly string _video;
        private readonly int _mqttPort = CandidatePort();
        private readonly int _grpcPort = CandidatePort();
        private readonly int _httpPort = CandidatePort();
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
        private ChildService? _broker;
        private ChildService? _cloud;
        private ChildService? _agent;
        private NotifySocket? _notify;
        private int _agentStarts;
        private long _escalationsSeen;

        public LineSystem(Settings settings, string folder, string edgeDll, string cloudDll, string video)
        {
            _settings = settings;
            _folder = folder;
            _edgeDll = edgeDll;
            _cloudDll = cloudDll;
            _video = video;
            _http.BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}/");
            Reports = new ReportWatcher(_mqttPort, DeviceId);
        }

        public ReportWatcher Reports { get; }

        public string AgentTail => _agent?.Tail ?? string.Empty;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await StartBrokerAsync(cancellationToken).ConfigureAwait(false);
            Reports.Start();
            await StartCloudAsync(cancellationToken).ConfigureAwait(false);
            if (await StartAgentAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                throw new InvalidOperationException($"The agent inspected no frame within 60 s:{Environment.NewLine}{AgentTail}");
            }
        }

        public async Task<long> StartBrokerAsync(CancellationToken cancellationToken)
        {
            var folder = Directory.CreateDirectory(Path.Combine(_folder, "mosquitto")).FullName;
            _broker = Mosquitto.Start(folder, _mqttPort);
            while (!await AcceptsAsync(_mqttPort, cancellationToken).ConfigureAwait(false))
            {
                if (_broker.HasExited)
                {
                    throw new InvalidOperationException($"mosquitto exited: {_broker.Tail}");
                }

                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }

            return Stopwatch.GetTimestamp();
        }

        public async Task StopBrokerAsync()
        {
            if (_broker is { } broker)
            {
                await broker.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                await broker.DisposeAsync().ConfigureAwait(false);
                _broker = null;
            }
        }

        /// <summary>Starts the cloud; returns when its health probe answers 200.</summary>
        public async Task<long> StartCloudAsync(CancellationToken cancellationToken)
        {
            var models = Directory.CreateDirectory(Path.Combine(_folder, "registry")).FullName;
            var trusted = Directory.CreateDirectory(Path.Combine(_folder, "trusted-keys")).FullName;
            _cloud = ChildService.Start(
                "cloud",
                "dotnet",
                [
                    _cloudDll,
                    $"--Cloud:GrpcUrl=http://127.0.0.1:{_grpcPort}",
                    $"--Cloud:HttpUrl=http://127.0.0.1:{_httpPort}",
                    "--Cloud:Broker:Enabled=false",
                    $"--Cloud:Mqtt:Port={_mqttPort}",
                    "--Cloud:Mqtt:ReconnectSeconds=1",
                    $"--Cloud:StoragePath={Path.Combine(_folder, "cloud.db")}",
                    $"--Detector:ModelPath={Path.Combine(_settings.Repo, "models", "cloud", "inspection-cloud.onnx")}",
                    $"--Cloud:Models:StoragePath={models}",
                    $"--Cloud:Models:TrustedKeysPath={trusted}",
                ],
                _folder);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(120))
            {
                if (_cloud.HasExited)
                {
                    throw new InvalidOperationException($"The cloud exited:{Environment.NewLine}{_cloud.Tail}");
                }

                try
                {
                    using var response = await _http.GetAsync("healthz", cancellationToken).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return Stopwatch.GetTimestamp();
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Slow first answer.
                }

                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }

            throw new InvalidOperationException($"The cloud was not healthy within 120 s:{Environment.NewLine}{_cloud.Tail}");
        }

        public async Task<long> KillCloudAsync()
        {
            var cloud = _cloud!;
            await cloud.KillHardAsync().ConfigureAwait(false);
            var at = Stopwatch.GetTimestamp();
            await cloud.DisposeAsync().ConfigureAwait(false);
            _cloud = null;
            return at;
        }

        /// <summary>Starts the agent as systemd would (a notification socket, the watchdog on); returns when it inspected its first frame.</summary>
        public async Task<long?> StartAgentAsync(CancellationToken cancellationToken)
        {
            _notify?.Dispose();
            _notify = new NotifySocket(Path.Combine(_folder, $"notify-{++_agentStarts}.sock"));
            var models = Directory.CreateDirectory(Path.Combine(_folder, "edge-models")).FullName;
            var trusted = Directory.CreateDirectory(Path.Combine(_folder, "trusted-keys")).FullName;
            _agent = ChildService.Start(
                "agent",
                "dotnet",
                [
                    _edgeDll,
                    $"--Edge:DeviceId={DeviceId}",
                    "--Edge:LineId=bench-line",
                    $"--Capture:Source=file:{_video}",
                    "--Capture:Loop=true",
                    $"--Capture:MaxFps={_settings.Fps}",
                    $"--Detector:ModelPath={Path.Combine(_settings.Repo, "models", "edge", "inspection-edge.onnx")}",
                    $"--Storage:Path={Path.Combine(_folder, "edge.db")}",
                    $"--Cloud:Address=http://127.0.0.1:{_grpcPort}",
                    $"--Mqtt:Port={_mqttPort}",
                    "--Mqtt:ReconnectDelaySeconds=1",
                    "--Reporting:IntervalSeconds=1",
                    $"--Ota:TrustedKeysPath={trusted}",
                    $"--Ota:ModelsPath={models}",

                    // The cloud wrote its control public key beside its database at its first start.
                    $"--Control:TrustedKeysPath={Path.Combine(_folder, "control-keys")}",

                    // Every frame with a detection is uncertain, so escalations flow all the time.
                    "--Decision:Lower=0.2",
                    "--Decision:Upper=1",
                ],
                _folder,
                new Dictionary<string, string>
                {
                    ["NOTIFY_SOCKET"] = _notify.Path,
                    ["WATCHDOG_USEC"] = "30000000",
                });
            var agent = _agent;
            return await _notify.WaitForAsync("WATCHDOG=1", TimeSpan.FromSeconds(60), () => agent.HasExited, cancellationToken).ConfigureAwait(false);
        }

        public async Task StopAgentAsync()
        {
            if (_agent is { } agent)
            {
                await agent.StopAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
                await agent.DisposeAsync().ConfigureAwait(false);
                _agent = null;
            }
        }

        /// <summary>The stopped agent's database: frames, uncertain ones, those the cloud settled or the policy evicted, the outbox.</summary>
        public EdgeAccount ReadEdgeDatabase()
        {
            using var db = new LiteDatabase(new ConnectionString { Filename = Path.Combine(_folder, "edge.db"), Connection = ConnectionType.Direct, ReadOnly = true });
            var results = db.GetCollection("results");
            var uncertain = results.Find(Query.EQ("Decision", "Uncertain")).ToList();
            return new EdgeAccount(
                results.Count(),
                uncertain.Count,
                uncertain.Count(r => !r["CloudVerdict"].IsNull),
                uncertain.Count(r => r["CloudVerdict"].IsNull && r.ContainsKey("OutboxEvicted") && !r["OutboxEvicted"].IsNull),
                db.GetCollection("outbox").Count(),
                db.GetCollection("rejected").Count());
        }

        public async Task<EscalationSummary?> SummaryAsync(CancellationToken cancellationToken) =>
            await _http.GetFromJsonAsync<EscalationSummary>("api/summary", cancellationToken).ConfigureAwait(false);

        public async Task<long> KillAgentAsync()
        {
            var agent = _agent!;
            await agent.KillHardAsync().ConfigureAwait(false);
            var at = Stopwatch.GetTimestamp();
            await agent.DisposeAsync().ConfigureAwait(false);
            _agent = null;
            return at;
        }

        /// <summary>Waits until the cloud stored more escalations than last seen; returns when it noticed.</summary>
        public async Task<long?> WaitForEscalationsAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                try
                {
                    var summary = await _http.GetFromJsonAsync<EscalationSummary>("api/summary", cancellationToken).ConfigureAwait(false);
                    if (summary is not null && summary.EscalationsStored > _escalationsSeen)
                    {
                        _escalationsSeen = summary.EscalationsStored;
                        return Stopwatch.GetTimestamp();
                    }
                }
                catch (HttpRequestException)
                {
                    // The cloud is not up.
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Slow answer.
                }

                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }

        /// <summary>Commands the device's mode through the cloud's API; returns the desired version issued.</summary>
        public async Task<long> SetModeAsync(string mode, CancellationToken cancellationToken)
        {
            using var response = await _http.PutAsJsonAsync($"api/devices/{DeviceId}/desired-mode", new SetModeRequest(mode), cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var state = await response.Content.ReadFromJsonAsync<DesiredStateVersion>(cancellationToken).ConfigureAwait(false);
            return state?.Version ?? 0;
        }

        public async ValueTask DisposeAsync()
        {
            Reports.Dispose();
            foreach (var child in new[] { _agent, _cloud, _broker })
            {
                if (child is not null)
                {
                    await child.DisposeAsync().ConfigureAwait(false);
                }
            }

            _notify?.Dispose();
            _http.Dispose();
        }

        private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    private sealed record DesiredStateVersion(long Version);

    private sealed record EdgeAccount(int Frames, int Uncertain, int Settled, int Evicted, int InOutbox, int Rejected);

    /// <summary>The bench's own MQTT client: every reported state of the device, with when it arrived; reconnects at once.</summary>
    private sealed class ReportWatcher : IDisposable
    {
        private readonly int _port;
        private readonly string _deviceId;
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly CancellationTokenSource _stop = new();
        private readonly List<(long At, ReportedState State)> _reports = [];
        private Task? _loop;

        public ReportWatcher(int port, string deviceId)
        {
            _port = port;
            _deviceId = deviceId;
            _client.ApplicationMessageReceivedAsync += args =>
            {
                // Retained copies are what the broker kept, not what the agent just said.
                if (!args.ApplicationMessage.Retain && MqttPayloads.TryParseReported(args.ApplicationMessage.Payload.ToArray(), out var state, out _))
                {
                    lock (_reports)
                    {
                        _reports.Add((Stopwatch.GetTimestamp(), state));
                    }
                }

                return Task.CompletedTask;
            };
        }

        public ReportedState? Latest
        {
            get
            {
                lock (_reports)
                {
                    return _reports.Count == 0 ? null : _reports[^1].State;
                }
            }
        }

        public void Start() => _loop = LoopAsync();

        /// <summary>
        /// The arrival time of the first report (after <paramref name="after"/>, else from now on, or the latest one
        /// already received) that satisfies <paramref name="condition"/>; null when none came within the timeout.
        /// </summary>
        public async Task<long?> WaitAsync(Func<ReportedState, bool> condition, TimeSpan timeout, CancellationToken cancellationToken, long? after = null)
        {
            int from;
            lock (_reports)
            {
                from = after is { } since ? _reports.FindIndex(r => r.At >= since) : Math.Max(0, _reports.Count - 1);
                if (from < 0)
                {
                    from = _reports.Count;
                }
            }

            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                lock (_reports)
                {
                    for (var i = from; i < _reports.Count; i++)
                    {
                        if (condition(_reports[i].State))
                        {
                            return _reports[i].At;
                        }
                    }
                }

                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _loop?.Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
                // Stopped.
            }

            _client.Dispose();
            _stop.Dispose();
        }

        private async Task LoopAsync()
        {
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", _port)
                .WithClientId("bench-recovery-watcher")
                .WithTimeout(TimeSpan.FromSeconds(2))
                .Build();
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    if (!_client.IsConnected)
                    {
                        await _client.ConnectAsync(options, _stop.Token).ConfigureAwait(false);
                        await _client.SubscribeAsync(MqttTopics.Reported(_deviceId), cancellationToken: _stop.Token).ConfigureAwait(false);
                    }

                    await Task.Delay(50, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The broker is down; try again at once, so the bench sees the agent's report as soon as the broker is up.
                    await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
    }
}
