using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Inspection.Detection;

/// <summary>
/// Runs any Ultralytics detection export with ONNX Runtime on the first execution provider of the configured
/// chain that works (TensorRT → CUDA → CPU). The per-frame path reuses one pinned input buffer, one output
/// buffer and one resize buffer, so steady-state inference leaves almost nothing for the GC.
/// Not thread-safe: one caller at a time.
/// </summary>
public sealed partial class OnnxDetector : IDetector
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _sessionOptions;
    private readonly IDisposable? _providerOptions;
    private readonly RunOptions _runOptions = new();
    private readonly Mat _resizeBuffer = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly float[] _inputBuffer;
    private readonly float[] _outputBuffer;
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly YoloOutputDecoder _decoder;
    private readonly NonMaxSuppression _nms;
    private readonly float _scoreThreshold;
    private readonly List<DetectionCandidate> _candidates = new(256);
    private readonly List<DetectionCandidate> _kept = new(128);
    private Letterbox _letterbox;
    private bool _disposed;

    private OnnxDetector(
        string modelPath,
        InferenceSession session,
        SessionOptions sessionOptions,
        IDisposable? providerOptions,
        string executionProvider,
        DetectorOptions options)
    {
        _session = session;
        _sessionOptions = sessionOptions;
        _providerOptions = providerOptions;
        ExecutionProvider = executionProvider;
        _scoreThreshold = options.ScoreThreshold;
        _nms = new NonMaxSuppression(options.IouThreshold, options.MaxDetections, options.ClassAgnosticNms);
        _inputNames = new string[1];
        _outputNames = new string[1];
        _inputBuffer = [];
        _outputBuffer = [];
        _inputs = new OrtValue[1];
        _outputs = new OrtValue[1];
        try
        {
            var probe = new ModelContractProbe(session, modelPath);
            var metadata = probe.ReadMetadata();
            var (inputName, width, height) = probe.ReadInput(metadata);
            _inputNames[0] = inputName;
            _inputBuffer = GC.AllocateArray<float>(3 * width * height, pinned: true);
            _inputs[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _inputBuffer.AsMemory(), [1, 3, height, width]);

            var (outputName, shape) = probe.ReadOutput(width, height, _runOptions, _inputNames, _inputs);
            _outputNames[0] = outputName;
            _decoder = YoloOutputDecoder.Create(modelPath, shape, metadata.Names?.Count, metadata.EndToEnd);
            _outputBuffer = GC.AllocateArray<float>(_decoder.OutputLength, pinned: true);
            _outputs[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _outputBuffer.AsMemory(), shape);

            var classNames = metadata.Names ?? GeneratedNames(_decoder.ClassCount);
            Model = new ModelMetadata(
                metadata.Description ?? Path.GetFileNameWithoutExtension(modelPath),
                metadata.Version ?? "unknown",
                classNames,
                width,
                height,
                metadata.Stride ?? 32,
                metadata.Task ?? "detect");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public ModelMetadata Model { get; }

    public string ExecutionProvider { get; }

    /// <summary>Which Ultralytics output layout the model has.</summary>
    public YoloOutputLayout OutputLayout => _decoder.Layout;

    /// <summary>
    /// Loads, validates and warms the model. Throws <see cref="ArgumentException"/> for invalid options,
    /// <see cref="FileNotFoundException"/> for a missing file and <see cref="ModelContractException"/> for a
    /// file that is not a usable detection model. Logs one Information line: model, file, execution provider
    /// and why each earlier provider was skipped.
    /// </summary>
    public static OnnxDetector Load(DetectorOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ValidateOptions(options);
        var modelPath = Path.GetFullPath(options.ModelPath);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException(
                $"The model file '{modelPath}' does not exist. Check Detector:ModelPath.", modelPath);
        }

        var chain = ExecutionProviderChain.Resolve(options.ExecutionProviders);
        var skipped = new List<string>();
        var (session, sessionOptions, providerOptions, provider) = OrtSessionFactory.Create(modelPath, options, chain, skipped);
        var detector = new OnnxDetector(modelPath, session, sessionOptions, providerOptions, provider, options);
        try
        {
            detector.WarmUp(options.WarmupRuns);
        }
        catch (Exception ex) when (ex is not ModelContractException)
        {
            detector.Dispose();
            throw new ModelContractException(modelPath, $"it fails on a blank frame during warm-up: {OrtErrors.ShortReason(ex)}", ex);
        }
        catch
        {
            detector.Dispose();
            throw;
        }

        var model = detector.Model;
        Log.ModelLoaded(
            logger,
            model.Name,
            model.Version,
            modelPath,
            provider,
            model.InputWidth,
            model.InputHeight,
            model.ClassNames.Count,
            detector.OutputLayout,
            skipped.Count == 0 ? "none" : string.Join("; ", skipped));
        return detector;
    }

    public IReadOnlyList<Detection> Detect(Mat frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(frame.IsDisposed, frame);
        if (frame.Empty())
        {
            throw new ArgumentException("The frame is empty (no pixels): the camera or decoder returned nothing.", nameof(frame));
        }

        if (frame.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"Expected an 8-bit, 3-channel BGR frame (CV_8UC3), got {frame.Type()}.", nameof(frame));
        }

        if (frame.Width != _letterbox.SourceWidth || frame.Height != _letterbox.SourceHeight)
        {
            _letterbox = Letterbox.Compute(frame.Width, frame.Height, Model.InputWidth, Model.InputHeight);
            _letterbox.FillPadding(_inputBuffer);
        }

        _letterbox.FillImage(frame, _resizeBuffer, _inputBuffer);
        _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

        _candidates.Clear();
        _decoder.Decode(_outputBuffer, _scoreThreshold, _candidates);
        if (_decoder.Layout == YoloOutputLayout.EndToEnd)
        {
            _nms.KeepStrongest(_candidates, _kept);
        }
        else
        {
            _nms.Apply(_candidates, _kept);
        }

        if (_kept.Count == 0)
        {
            return [];
        }

        var names = Model.ClassNames;
        var detections = new List<Detection>(_kept.Count);
        foreach (var c in _kept)
        {
            var box = _letterbox.ToSource(c.X1, c.Y1, c.X2, c.Y2);

            // A box that lies wholly in the gray padding clips to nothing: there is no object in the frame.
            if (box.Width <= 0 || box.Height <= 0)
            {
                continue;
            }

            var name = c.ClassId < names.Count ? names[c.ClassId] : $"class{c.ClassId}";
            detections.Add(new Detection(c.ClassId, name, c.Score, box));
        }

        return detections;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        OrtErrors.DisposeQuietly(_inputs[0]);
        OrtErrors.DisposeQuietly(_outputs[0]);
        OrtErrors.DisposeQuietly(_resizeBuffer);
        OrtErrors.DisposeQuietly(_runOptions);
        OrtErrors.DisposeQuietly(_session);
        OrtErrors.DisposeQuietly(_sessionOptions);
        OrtErrors.DisposeQuietly(_providerOptions);
    }

    private static void ValidateOptions(DetectorOptions options)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            throw new ArgumentException(
                "Invalid detector settings: " + string.Join(" ", results.Select(r => r.ErrorMessage)), nameof(options));
        }
    }



    private void WarmUp(int runs)
    {
        if (runs <= 0)
        {
            return;
        }

        using var blank = new Mat(Model.InputHeight, Model.InputWidth, MatType.CV_8UC3, Scalar.All(0));
        for (var i = 0; i < runs; i++)
        {
            Detect(blank);
        }
    }

    private static string[] GeneratedNames(int count)
    {
        var names = new string[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = $"class{i}";
        }

        return names;
    }


    private static partial class Log
    {
        [LoggerMessage(
            EventId = 1,
            Level = LogLevel.Information,
            Message = "Detection model {ModelName} version {ModelVersion} loaded from {ModelPath} on {ExecutionProvider} "
                + "(input {InputWidth}x{InputHeight}, {ClassCount} classes, {OutputLayout} output); skipped providers: {SkippedProviders}")]
        public static partial void ModelLoaded(
            ILogger logger,
            string modelName,
            string modelVersion,
            string modelPath,
            string executionProvider,
            int inputWidth,
            int inputHeight,
            int classCount,
            YoloOutputLayout outputLayout,
            string skippedProviders);
    }
}
