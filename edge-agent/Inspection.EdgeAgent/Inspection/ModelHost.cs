using Inspection.Detection;

namespace Inspection.EdgeAgent.Inspection;

/// <summary>
/// Holds the loaded detection model for the pipeline and reporting. The detector logs what it loaded
/// and on which execution provider; this only keeps it.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly DetectorFactory _factory;
    private IDetector? _detector;

    public ModelHost(DetectorFactory factory)
    {
        _factory = factory;
    }

    public bool IsLoaded => Volatile.Read(ref _detector) is not null;

    /// <summary>The loaded model; throws until <see cref="Load"/> has run.</summary>
    public IDetector Detector => Volatile.Read(ref _detector) ?? throw new InvalidOperationException("The detection model is not loaded yet.");

    /// <summary>Loads and warms the model once; later calls do nothing.</summary>
    public void Load()
    {
        if (!IsLoaded)
        {
            Volatile.Write(ref _detector, _factory());
        }
    }

    public void Dispose() => Interlocked.Exchange(ref _detector, null)?.Dispose();
}
