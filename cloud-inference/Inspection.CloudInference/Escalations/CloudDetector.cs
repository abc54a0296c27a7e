using System.Threading.Channels;
using Inspection.Contracts.V1;
using Inspection.Detection;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Owns the cloud model. <see cref="IDetector"/> is not thread-safe, so every gRPC stream queues its
/// frames here and one inference loop, off the gRPC threads, runs them back to back: frames from
/// concurrent streams are drained in bursts without ever touching the model from two threads.
/// Loaded and warmed at start-up; a missing model file stops the service with a clear message.
/// </summary>
public sealed partial class CloudDetector : IHostedService, IDisposable
{
    // Enough to absorb a burst from a few devices; beyond it callers wait, which is the back-pressure
    // the edge expects (its outbox holds the frames meanwhile).
    private const int QueueCapacity = 64;

    private readonly DetectorFactory _factory;
    private readonly DetectorOptions _options;
    private readonly IHostEnvironment _environment;
    private readonly ILogger<CloudDetector> _logger;
    private readonly Channel<Job> _queue = Channel.CreateBounded<Job>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private IDetector? _detector;
    private Task? _loop;
    private volatile bool _disposed;

    public CloudDetector(DetectorFactory factory, IOptions<DetectorOptions> options, IHostEnvironment environment, ILogger<CloudDetector> logger)
    {
        _factory = factory;
        _options = options.Value;
        _environment = environment;
        _logger = logger;
    }

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
    /// Runs the model on a BGR frame. The caller keeps ownership of <paramref name="frame"/>; this
    /// returns only once the inference loop is done with it (run, or skipped because
    /// <paramref name="cancellationToken"/> fired while it waited), so disposing it afterwards is safe.
    /// </summary>
    public async Task<IReadOnlyList<Detection.Detection>> DetectAsync(Mat frame, CancellationToken cancellationToken)
    {
        var job = new Job(frame, cancellationToken);
        if (!_queue.Writer.TryWrite(job))
        {
            await _queue.Writer.WriteAsync(job, cancellationToken).ConfigureAwait(false);
        }

        // Deliberately not WaitAsync(cancellationToken): the frame must outlive the job.
        return await job.Completion.Task.ConfigureAwait(false);
    }

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
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var burst = 0;
            while (reader.TryRead(out var job))
            {
                burst++;
                Run(job);
            }

            if (burst > 1)
            {
                Log.Burst(_logger, burst);
            }
        }
    }

    private void Run(Job job)
    {
        if (job.CancellationToken.IsCancellationRequested)
        {
            job.Completion.TrySetCanceled(job.CancellationToken);
            return;
        }

        if (_disposed)
        {
            job.Completion.TrySetException(new ObjectDisposedException(nameof(CloudDetector), "The cloud is stopping: the frame was not run."));
            return;
        }

        var detector = _detector;
        if (detector is null)
        {
            job.Completion.TrySetException(new InvalidOperationException("The cloud model is not loaded."));
            return;
        }

        try
        {
            job.Completion.TrySetResult(detector.Detect(job.Frame));
        }
        catch (Exception ex)
        {
            Log.InferenceFailed(_logger, ex);
            job.Completion.TrySetException(ex);
        }
    }

    private sealed record Job(Mat Frame, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<IReadOnlyList<Detection.Detection>> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Cloud model {Name} {Version} ready on {ExecutionProvider} ({Path})")]
        public static partial void ModelReady(ILogger logger, string name, string version, string executionProvider, string path);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Ran {Count} queued frames back to back")]
        public static partial void Burst(ILogger logger, int count);

        [LoggerMessage(Level = LogLevel.Error, Message = "Cloud inference failed")]
        public static partial void InferenceFailed(ILogger logger, Exception exception);
    }
}
