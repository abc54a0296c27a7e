using Inspection.Detection;
using Inspection.EdgeAgent.Ota;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>
/// Loads the model the agent would run (the committed one after an update, otherwise <c>Detector:ModelPath</c>) once,
/// for the checks that need it. The agent itself need not be stopped: this is a second session on the same file.
/// </summary>
public sealed class SelfTestModel : IDisposable
{
    private readonly DetectorOptions _options;
    private readonly CommittedModelFile _committed;
    private readonly string _contentRoot;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private SelfTestModelLoad? _load;

    public SelfTestModel(
        IOptions<DetectorOptions> options,
        CommittedModelFile committed,
        IHostEnvironment environment,
        ILoggerFactory loggerFactory,
        TimeProvider time)
    {
        _options = options.Value;
        _committed = committed;
        _contentRoot = environment.ContentRootPath;
        _logger = loggerFactory.CreateLogger<OnnxDetector>();
        _time = time;
    }

    /// <summary>Loads and warms the model on the first call; later calls return the same outcome.</summary>
    public SelfTestModelLoad Load() => _load ??= LoadOnce();

    public void Dispose() => _load?.Detector?.Dispose();

    private SelfTestModelLoad LoadOnce()
    {
        var options = _options.Clone();
        options.ModelPath = Path.GetFullPath(options.ModelPath, _contentRoot);
        try
        {
            if (_committed.Read() is { } committed)
            {
                options.ModelPath = committed.ModelPath;
                options.TensorRtCachePath = committed.TensorRtCachePath;
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // As at the agent's start: a damaged pointer leaves the configured model running.
        }

        var cachePath = options.TensorRtCachePath ?? Path.Combine(Path.GetDirectoryName(options.ModelPath)!, "trt-cache");
        var enginesBefore = Engines(cachePath);
        var started = _time.GetTimestamp();
        try
        {
            var detector = OnnxDetector.Load(options, _logger);
            var elapsed = _time.GetElapsedTime(started);
            string? cache = null;
            if (detector.ExecutionProvider == "TensorRT")
            {
                cache = Engines(cachePath).Except(enginesBefore).Any()
                    ? $"engine built into {cachePath}"
                    : $"engine taken from the cache {cachePath}";
            }

            return new SelfTestModelLoad(detector, options.ModelPath, null, elapsed, options.WarmupRuns, cache);
        }
        catch (Exception ex) when (ex is ModelContractException or FileNotFoundException or ArgumentException or InvalidOperationException
            or DllNotFoundException or TypeInitializationException)
        {
            return new SelfTestModelLoad(null, options.ModelPath, Innermost(ex), _time.GetElapsedTime(started), options.WarmupRuns, null);
        }
    }

    private static string Innermost(Exception ex)
    {
        // A type initializer's own message ("The type initializer for … threw") hides the missing library it names.
        while (ex is TypeInitializationException { InnerException: { } inner })
        {
            ex = inner;
        }

        return ex.Message;
    }

    private static HashSet<string> Engines(string folder) =>
        Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder, "*.engine")] : [];
}
