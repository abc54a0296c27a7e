using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Storage;
using Inspection.ModelTools.Line;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenCvSharp;

namespace Inspection.CloudInference.Bench;

/// <summary>
/// <c>bench-store</c>: the cloud's escalation stores side by side in one run, LiteDB (a fresh file) and PostgreSQL (a
/// fresh database on the server given): N escalations, each with a real JPEG of a synthetic line frame, stored by C
/// concurrent writers as the gRPC path stores them (<see cref="IEscalationStore.TryAdd(StoredEscalation, byte[])"/>),
/// then every key sent again (all duplicates). Prints writes per second and p50 / p99 per write. Measures; asserts nothing.
/// </summary>
public static class StoreBench
{
    public static Command Create()
    {
        var count = new Option<int>("--escalations") { Description = "Escalations stored per store.", DefaultValueFactory = _ => 2000 };
        var writers = new Option<string>("--writers") { Description = "Concurrent writers, comma-separated: one run per value.", DefaultValueFactory = _ => "1,8" };
        var postgres = new Option<string?>("--postgresql")
        {
            Description = "Connection string of a PostgreSQL server whose user may create databases; without it only LiteDB runs.",
        };
        var command = new Command("bench-store", "Escalations with their JPEG stored by concurrent writers: LiteDB against PostgreSQL in one run.")
        {
            count, writers, postgres,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var n = Math.Max(1, parse.GetValue(count));
            var plan = parse.GetValue(writers)!.Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToList();
            var server = parse.GetValue(postgres);
            var jpegs = Render(16);
            await output.WriteLineAsync(
                $"bench-store: {n} escalations per run, JPEGs of 640x480 synthetic line frames ({jpegs.Average(j => j.Length) / 1024:F0} KiB on average), {Environment.ProcessorCount} cores").ConfigureAwait(false);
            await output.WriteLineAsync("store       writers  stored/s  p50 ms  p99 ms  duplicates/s").ConfigureAwait(false);
            foreach (var c in plan)
            {
                using (var folder = new TempFolder())
                using (var database = new CloudDatabase(
                    Options.Create(new CloudOptions { StoragePath = Path.Combine(folder.Path, "cloud.db") }),
                    new HostingEnvironment { ContentRootPath = folder.Path },
                    NullLogger<CloudDatabase>.Instance))
                {
                    var store = new EscalationStore(database, Options.Create(new RejectedFrameOptions()));
                    await output.WriteLineAsync(await RunAsync("litedb", store, n, c, jpegs, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                }

                if (server is not null)
                {
                    var connectionString = await CreateDatabaseAsync(server, cancellationToken).ConfigureAwait(false);
                    using var database = new PostgreSqlDatabase(connectionString);
                    await PostgreSqlMigrations.ApplyAsync(database.DataSource, cancellationToken).ConfigureAwait(false);
                    var store = new PostgreSqlEscalationStore(database, Options.Create(new RejectedFrameOptions()));
                    await output.WriteLineAsync(await RunAsync("postgresql", store, n, c, jpegs, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                }
            }

            if (server is null)
            {
                await output.WriteLineAsync("(no --postgresql: PostgreSQL not measured)").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static async Task<string> RunAsync(string name, IEscalationStore store, int n, int writers, List<byte[]> jpegs, CancellationToken cancellationToken)
    {
        var at = DateTimeOffset.UtcNow;
        var escalations = Enumerable.Range(1, n).Select(i => Escalation("bench-1", (ulong)i, at)).ToArray();
        var (stored, storedLatencies) = await TimeAsync(escalations, writers, e => store.TryAdd(e, jpegs[(int)(e.Sequence % jpegs.Count)]), cancellationToken).ConfigureAwait(false);
        var (duplicates, _) = await TimeAsync(escalations, writers, e => !store.TryAdd(e, jpegs[0]), cancellationToken).ConfigureAwait(false);
        storedLatencies.Sort();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{name,-11} {writers,7}  {stored,8:F0}  {Percentile(storedLatencies, 0.50),6:F2}  {Percentile(storedLatencies, 0.99),6:F2}  {duplicates,12:F0}");
    }

    // Writes per second over the whole run, and each write's time in milliseconds.
    private static async Task<(double PerSecond, List<double> Latencies)> TimeAsync(
        StoredEscalation[] escalations, int writers, Func<StoredEscalation, bool> write, CancellationToken cancellationToken)
    {
        var latencies = new double[escalations.Length];
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, escalations.Length),
            new ParallelOptions { MaxDegreeOfParallelism = writers, CancellationToken = cancellationToken },
            (i, _) =>
            {
                var started = Stopwatch.GetTimestamp();
                if (!write(escalations[i]))
                {
                    Interlocked.Increment(ref failures);
                }

                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        clock.Stop();
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} writes did not do what was expected: the store is not empty, or not deduplicating.");
        }

        return (escalations.Length / clock.Elapsed.TotalSeconds, [.. latencies]);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static async Task<string> CreateDatabaseAsync(string server, CancellationToken cancellationToken)
    {
        var name = $"bench_store_{DateTime.UtcNow:yyyyMMddHHmmss}_{Environment.ProcessId}_{Guid.NewGuid():N}"[..50];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    private static List<byte[]> Render(int count)
    {
        using var line = new SyntheticLine(11, 640, 480);
        var jpegs = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            using var frame = line.Render(i * 7L).Frame;
            Cv2.ImEncode(".jpg", frame, out var jpeg);
            jpegs.Add(jpeg);
        }

        return jpegs;
    }

    private static StoredEscalation Escalation(string deviceId, ulong sequence, DateTimeOffset at) => new()
    {
        Key = StoredEscalation.KeyOf(deviceId, sequence),
        DeviceId = deviceId,
        Sequence = (long)sequence,
        LineId = "line-1",
        CapturedAt = at,
        ReceivedAt = at,
        ReceivedTicks = at.UtcTicks + (long)sequence,
        Width = 640,
        Height = 480,
        EdgeModelName = "edge",
        EdgeModelVersion = "1",
        EdgeDetections = [new StoredDetection { ClassName = "scratch", Confidence = 0.41, X1 = 10, Y1 = 10, X2 = 50, Y2 = 40 }],
        Reason = "uncertain: scratch 0.41",
        CloudModelName = "cloud",
        CloudModelVersion = "1",
        CloudDetections = [new StoredDetection { ClassName = "scratch", Confidence = 0.82, X1 = 11, Y1 = 10, X2 = 49, Y2 = 41 }],
        Verdict = Verdicts.Defect,
    };

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("bench-store-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
