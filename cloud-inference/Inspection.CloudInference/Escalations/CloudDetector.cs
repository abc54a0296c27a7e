using System.Diagnostics;
using System.Threading.Channels;
using Inspection.CloudInference.Diagnostics;
using Inspection.Contracts.V1;
using Inspection.Detection;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Owns the cloud model and batches its work. <see cref="IDetector"/> is not thread-safe, so every gRPC stream queues
/// its frames here and one inference loop, off the gRPC threads, takes up to <see cref="BatchingOptions.MaxBatchSize"/>
/// of them — waiting at most <see cref="BatchingOptions.MaxWaitMilliseconds"/> after the first for more — and runs
/// them as one batch (<see cref="IDetector.DetectBatch"/>): frames from concurrent streams share an inference without
/// the model ever being touched from two threads. The queue is bounded (<see cref="BatchingOptions.QueueCapacity"/>):
/// a frame that finds it full is refused with <see cref="CloudBusyException"/> at once instead of waiting, so the
/// device keeps it and comes back later rather than holding a call open. Loaded and warmed at start-up; a missing model
/// file stops the service with a clear message.
/// </summary>
public sealed partial class CloudDetector : IHostedService, IDisposable
{
    private readonly DetectorFactory _factory;
    private readonly DetectorOptions _options;
    private readonly BatchingOptions _batching;
    private readonly IHostEnvironment _environment;
    private readonly TimeProvider _time;
    private readonly ILogger<CloudDetector> _logger;
    private readonly CloudMetrics _metrics;
    private readonly Channel<Job> _queue;

    private IDetector? _detector;
    private Task? _loop;
    private volatile bool _disposed;
    private long _batches;
    private long _batchedFrames;
    private long _running;

    /// <summary>
    /// The share of its remaining time a frame may wait in the queue before it is given back: the rest is for the
    /// batch it runs in, the store and the answer's way back.
    /// </summary>
    public const double GiveBackShare = 0.6;

    // Seconds of inference per frame, smoothed over recent batches (0 until the first batch ran).
    private double _secondsPerFrame;

    public CloudDetector(
        DetectorFactory factory,
        IOptions<DetectorOptions> options,
        IOptions<BatchingOptions> batching,
        IHostEnvironment environment,
        TimeProvider time,
        ILogger<CloudDetector> logger,
        CloudMetrics? metrics = null)
    {
        _metrics = metrics ?? new CloudMetrics();
        _factory = factory;
        _options = options.Value;
        _batching = batching.Value;
        _environment = environment;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<Job>(
            new BoundedChannelOptions(_batching.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _metrics.ObserveQueue(() => _queue.Reader.Count);
    }

    /// <summary>Frames waiting for the model now (not counting the batch that runs).</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>Batches run since start-up.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Frames run in those batches (frames cancelled while queued are not counted).</summary>
    public long BatchedFrames => Interlocked.Read(ref _batchedFrames);

    /// <summary>The loaded model as the escalation reply names it.</summary>
    public ModelRef ModelRef { get; private set; } = new();

    /// <summary>The loaded model's metadata; null before start-up finished.</summary>
    public ModelMetadata? Model => _detector?.Model;

    /// <summary>The execution provider running the model; empty before start-up finished.</summary>
    public string ExecutionProvider => _detector?.ExecutionProvider ?? string.Empty;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(_options.ModelPath, _environment.ContentRootPath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The cloud model file was not found at '{path}' (Detector:ModelPath = '{_options.ModelPath}', " +
                $"relative to {_environment.ContentRootPath}). Build the models or point Detector:ModelPath at an .onnx file.",
                path);
        }

        var resolved = _options.Clone();
        resolved.ModelPath = path;
        resolved.MaxBatchSize = _batching.MaxBatchSize;
        _detector = _factory(resolved, _logger);
        ModelRef = new ModelRef { Name = _detector.Model.Name, Version = _detector.Model.Version };
        Log.ModelReady(_logger, _detector.Model.Name, _detector.Model.Version, _detector.ExecutionProvider, path);
        _loop = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs the model on a BGR frame, in a batch with whatever other frames are queued. The caller keeps ownership of
    /// <paramref name="frame"/>; this returns only once the inference loop is done with it (run, or skipped because
    /// <paramref name="cancellationToken"/> fired while it waited), so disposing it afterwards is safe. Throws
    /// <see cref="CloudBusyException"/> at once when the queue is full: the frame was not taken.
    /// </summary>
    public Task<IReadOnlyList<Detection.Detection>> DetectAsync(Mat frame, CancellationToken cancellationToken) =>
        DetectAsync(frame, DateTime.MaxValue, cancellationToken);

    /// <summary>
    /// As <see cref="DetectAsync(Mat, CancellationToken)"/>, for a caller that stops waiting at <paramref name="answerBy"/>
    /// (UTC wall time, as gRPC deadlines are; <see cref="DateTime.MaxValue"/> for never): a frame still waiting in the
    /// queue once <see cref="GiveBackShare"/> of the time it had left when queued has passed is taken out and given back
    /// with <see cref="CloudBusyException"/>, so the device hears "busy, come back" before its deadline instead of
    /// nothing. A frame the loop has already taken into a batch is always run.
    /// </summary>
    public async Task<IReadOnlyList<Detection.Detection>> DetectAsync(Mat frame, DateTime answerBy, CancellationToken cancellationToken)
    {
        // The frame's span: its wait in the queue and the batch it ran in (tagged by the inference loop, which sets the
        // tags before it completes the job, so they are in place when this awaits the result).
        using var activity = CloudTelemetry.Source.StartActivity(CloudTelemetry.InferenceSpan);
        var job = new Job(frame, cancellationToken, activity);
        if (!_queue.Writer.TryWrite(job))
        {
            activity?.SetStatus(ActivityStatusCode.Error, "queue full");
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(CloudDetector), "The cloud is stopping: the frame was not run.");
            }

            throw new CloudBusyException(_batching.QueueCapacity, TimeSpan.FromMilliseconds(_batching.RetryAfterMilliseconds));
        }

        if (answerBy != DateTime.MaxValue)
        {
            var giveBackIn = (answerBy - DateTime.UtcNow) * GiveBackShare;
            using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

            // Wall time, like the deadline it is a share of (the cloud's TimeProvider may be a test's clock).
            var giveBack = Task.Delay(giveBackIn > TimeSpan.Zero ? giveBackIn : TimeSpan.Zero, TimeProvider.System, stopWaiting.Token);
            var first = await Task.WhenAny(job.Completion.Task, giveBack).ConfigureAwait(false);
            await stopWaiting.CancelAsync().ConfigureAwait(false);
            if (first == giveBack && giveBack.IsCompletedSuccessfully && job.TryWithdraw())
            {
                activity?.SetStatus(ActivityStatusCode.Error, "given back");
                throw new CloudBusyException(giveBackIn, _batching.QueueCapacity, DrainHint());
            }
        }

        // Deliberately not WaitAsync(cancellationToken): the frame must outlive the job.
        return await job.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// How long <paramref name="frames"/> more frames would take to be answered: the frames queued and running ahead of
    /// them and their own, at the recent inference time per frame; zero before the first batch ran. With
    /// <paramref name="alwaysTakeLone"/>, also zero while nothing waits or runs: a lone frame is taken, however slow
    /// the model.
    /// </summary>
    public TimeSpan ExpectedWait(int frames, bool alwaysTakeLone = true)
    {
        var ahead = Queued + Interlocked.Read(ref _running);
        return ahead == 0 && alwaysTakeLone ? TimeSpan.Zero : TimeSpan.FromSeconds(Volatile.Read(ref _secondsPerFrame) * (ahead + frames));
    }

    /// <summary>The hint for a device refused because its deadline is too short for the queue: come back once it has drained.</summary>
    public TimeSpan DrainHint() =>
        TimeSpan.FromMilliseconds(Math.Max(_batching.RetryAfterMilliseconds, ExpectedWait(0).TotalMilliseconds));

    public int QueueCapacity => _batching.QueueCapacity;

    /// <summary>
    /// Stops taking frames and frees the model without waiting: frames still queued are cancelled, and an inference
    /// that is running keeps the model until it ends, after which the inference loop frees it. (Waiting here held the
    /// host's shutdown for as long as the inference took.)
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        _queue.Writer.TryComplete();
        if (_loop is not { IsCompleted: false } loop)
        {
            FreeModel();
            return;
        }

        _ = loop.ContinueWith(
            static (_, state) => ((CloudDetector)state!).FreeModel(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void FreeModel() => Interlocked.Exchange(ref _detector, null)?.Dispose();

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Job>(_batching.MaxBatchSize);
        var maxWait = TimeSpan.FromMilliseconds(_batching.MaxWaitMilliseconds);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            Take(reader, batch);
            if (batch.Count < _batching.MaxBatchSize && maxWait > TimeSpan.Zero && !_disposed)
            {
                await TopUpAsync(reader, batch, maxWait).ConfigureAwait(false);
            }

            Run(batch);
        }
    }

    private void Take(ChannelReader<Job> reader, List<Job> batch)
    {
        while (batch.Count < _batching.MaxBatchSize && reader.TryRead(out var job))
        {
            batch.Add(job);
        }
    }

    // The first frame waits at most maxWait for others; a full batch, or a queue that closes, ends the wait early.
    private async Task TopUpAsync(ChannelReader<Job> reader, List<Job> batch, TimeSpan maxWait)
    {
        using var timeout = new CancellationTokenSource(maxWait, _time);
        try
        {
            while (batch.Count < _batching.MaxBatchSize && await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
            {
                Take(reader, batch);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }
    }

    private void Run(List<Job> batch)
    {
        var ready = new List<Job>(batch.Count);
        foreach (var job in batch)
        {
            if (!job.TryTake())
            {
                // Given back to its caller while it waited: the frame is the caller's again, never touched here.
                continue;
            }

            if (job.CancellationToken.IsCancellationRequested)
            {
                job.Completion.TrySetCanceled(job.CancellationToken);
            }
            else if (_disposed)
            {
                job.Completion.TrySetException(new ObjectDisposedException(nameof(CloudDetector), "The cloud is stopping: the frame was not run."));
            }
            else
            {
                ready.Add(job);
            }
        }

        if (ready.Count == 0)
        {
            return;
        }

        var detector = _detector;
        if (detector is null)
        {
            ready.ForEach(j => j.Completion.TrySetException(new InvalidOperationException("The cloud model is not loaded.")));
            return;
        }

        Interlocked.Exchange(ref _running, ready.Count);
        var started = Stopwatch.GetTimestamp(); // inference time is wall time, whatever clock paces the batches
        try
        {
            var results = detector.DetectBatch([.. ready.Select(j => j.Frame)]);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var perFrame = elapsed.TotalSeconds / ready.Count;
            var smoothed = Volatile.Read(ref _secondsPerFrame);
            Volatile.Write(ref _secondsPerFrame, smoothed == 0 ? perFrame : (0.8 * smoothed) + (0.2 * perFrame));
            _metrics.BatchRan(ready.Count, elapsed);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _batchedFrames, ready.Count);
            for (var i = 0; i < ready.Count; i++)
            {
                ready[i].Activity?.SetTag("inspection.batch.size", ready.Count);
                ready[i].Completion.TrySetResult(results[i]);
            }

            if (ready.Count > 1)
            {
                Log.Batch(_logger, ready.Count);
            }
        }
        catch (Exception ex) when (ready.Count > 1)
        {
            // One frame the model cannot take must not fail the frames it was batched with: each runs on its own.
            Log.BatchFailed(_logger, ready.Count, ex);
            ready.ForEach(j => RunOne(detector, j));
        }
        catch (Exception ex)
        {
            _metrics.Error("inference");
            Log.InferenceFailed(_logger, ex);
            ready[0].Completion.TrySetException(ex);
        }
        finally
        {
            Interlocked.Exchange(ref _running, 0);
        }
    }

    private void RunOne(IDetector detector, Job job)
    {
        try
        {
            var started = _time.GetTimestamp();
            var result = detector.Detect(job.Frame);
            _metrics.BatchRan(1, _time.GetElapsedTime(started));
            job.Activity?.SetTag("inspection.batch.size", 1);
            job.Completion.TrySetResult(result);
            Interlocked.Increment(ref _batches);
            Interlocked.Increment(ref _batchedFrames);
        }
        catch (Exception ex)
        {
            _metrics.Error("inference");
            Log.InferenceFailed(_logger, ex);
            job.Completion.TrySetException(ex);
        }
    }

    private sealed record Job(Mat Frame, CancellationToken CancellationToken, Activity? Activity)
    {
        private const int Waiting = 0;
        private const int Taken = 1;
        private const int Withdrawn = 2;
        private int _state;

        public TaskCompletionSource<IReadOnlyList<Detection.Detection>> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The inference loop takes the frame, unless its caller took it back first.</summary>
        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Waiting) == Waiting;

        /// <summary>The caller takes the frame back, unless the inference loop took it first.</summary>
        public bool TryWithdraw() => Interlocked.CompareExchange(ref _state, Withdrawn, Waiting) == Waiting;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Cloud model {Name} {Version} ready on {ExecutionProvider} ({Path})")]
        public static partial void ModelReady(ILogger logger, string name, string version, string executionProvider, string path);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Ran {Count} queued frames in one batch")]
        public static partial void Batch(ILogger logger, int count);

        [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} frames failed; running them one by one")]
        public static partial void BatchFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(Level = LogLevel.Error, Message = "Cloud inference failed")]
        public static partial void InferenceFailed(ILogger logger, Exception exception);
    }
}
