using System.Collections.Concurrent;
using Inspection.Detection;
using OpenCvSharp;
using ModelMetadata = Inspection.Detection.ModelMetadata;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// A batching detector whose inferences wait at a gate the test opens, and which records the size of every batch it
/// ran: how the cloud groups frames, made observable without timing anything. Every frame gets one "scratch" detection
/// at 0.5 (uncertain in the test band).
/// </summary>
public sealed class GatedBatchDetector(int maxBatchSize) : IDetector
{
    private readonly ManualResetEventSlim _gate = new();
    private readonly ConcurrentQueue<int> _batches = new();
    private volatile bool _waiting;

    public ModelMetadata Model { get; } = new("gated-test", "1.0.0", ["scratch"], 1, 1, 1, "detect");

    public string ExecutionProvider => "CPU";

    public int MaxBatchSize => maxBatchSize;

    /// <summary>A batch is waiting at the closed gate.</summary>
    public bool Waiting => _waiting;

    /// <summary>How long each frame of a batch takes once the gate is open (none by default): a slow model.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The sizes of the batches run so far, in order.</summary>
    public IReadOnlyList<int> Batches => [.. _batches];

    public IReadOnlyList<Detection.Detection> Detect(Mat frame) => DetectBatch([frame])[0];

    public IReadOnlyList<IReadOnlyList<Detection.Detection>> DetectBatch(IReadOnlyList<Mat> frames)
    {
        _waiting = true;
        _gate.Wait(TestContext.Current.CancellationToken);
        _waiting = false;
        Thread.Sleep(Delay * frames.Count);
        _batches.Enqueue(frames.Count);
        return [.. frames.Select(f => (IReadOnlyList<Detection.Detection>)[new Detection.Detection(0, "scratch", 0.5f, new BoundingBox(0, 0, f.Width, f.Height))])];
    }

    /// <summary>Lets the waiting batch, and every later one, run.</summary>
    public void Open() => _gate.Set();

    public void Dispose() => _gate.Dispose();
}
