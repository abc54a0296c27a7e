using Inspection.Detection;
using Microsoft.Extensions.Logging;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>Holds the loaded detection model for the pipeline and reporting.</summary>
public sealed partial class ModelHost : IDisposable
{
    private readonly DetectorFactory _factory;
    private readonly ILogger<ModelHost> _logger;
    private IDetector? _detector;

    public ModelHost(DetectorFactory factory, ILogger<ModelHost> logger)
    {
        _factory = factory;
        _logger = logger;
    }

    public bool IsLoaded => Volatile.Read(ref _detector) is not null;

    /// <summary>The loaded model; throws until <see cref="Load"/> has run.</summary>
    public IDetector Detector => Volatile.Read(ref _detector) ?? throw new InvalidOperationException("The detection model is not loaded yet.");

    /// <summary>Loads and warms the model once; later calls do nothing.</summary>
    public void Load()
    {
        if (IsLoaded)
        {
            return;
        }

        var detector = _factory();
        Volatile.Write(ref _detector, detector);
        Log.Loaded(_logger, detector.Model.Name, detector.Model.Version, detector.ExecutionProvider);
    }

    public void Dispose() => Interlocked.Exchange(ref _detector, null)?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Model {Name} {Version} loaded and warm on {ExecutionProvider}")]
        public static partial void Loaded(ILogger logger, string name, string version, string executionProvider);
    }
}
