using Inspection.Detection;
using OpenCvSharp;
using ModelMetadata = Inspection.Detection.ModelMetadata;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// A detector whose inference runs until the test releases it, and which records being freed: a model busy with a
/// frame, made observable without timing anything.
/// </summary>
public sealed class HeldDetector : IDetector
{
    private readonly ManualResetEventSlim _release = new();
    private volatile bool _running;
    private volatile bool _disposed;

    public ModelMetadata Model { get; } = new("held-test", "1.0.0", ["scratch"], 1, 1, 1, "detect");

    public string ExecutionProvider => "CPU";

    /// <summary>An inference has started and not yet been released.</summary>
    public bool Running => _running;

    /// <summary>Freed; set only after any running inference has returned, or the model was freed under it.</summary>
    public bool Disposed => _disposed;

    /// <summary>Whether an inference was still running when the detector was freed.</summary>
    public bool FreedWhileRunning { get; private set; }

    public IReadOnlyList<Detection.Detection> Detect(Mat frame)
    {
        _running = true;
        _release.Wait(TestContext.Current.CancellationToken);
        _running = false;
        return [new Detection.Detection(0, "scratch", 0.5f, new BoundingBox(0, 0, frame.Width, frame.Height))];
    }

    /// <summary>Lets the running inference (and every later one) return.</summary>
    public void Release() => _release.Set();

    public void Dispose()
    {
        FreedWhileRunning = _running;
        _disposed = true;
    }
}
