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

    // Created on the first frame, not with the detector: loading, warming up and DetectPrepared need no OpenCV, so a
    // device whose OpenCV native library is missing can still load and test its model.
    private Mat? _resizeBuffer;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly float[] _inputBuffer;
    private readonly float[] _outputBuffer;

    // One single-element input and output array per batch size (index = frames - 1), each over the start of the pinned
    // buffers, so a run of any size up to MaxBatchSize allocates nothing.
    private readonly OrtValue[][] _inputs;
    private readonly OrtValue[][] _outputs;
    private readonly YoloOutputDecoder _decoder;
    private readonly NonMaxSuppression _nms;
    private readonly float _scoreThreshold;
    private readonly List<DetectionCandidate> _candidates = new(256);
    private readonly List<DetectionCandidate> _kept = new(128);

    // Each batch slot keeps its own geometry: frames of one batch may differ in size.
    private readonly Letterbox[] _letterboxes;
    private readonly int _inputLength;
    private bool _disposed;

    private OnnxDetector(
        string modelPath,
        InferenceSession session,
        SessionOptions sessionOptions,
        IDisposable? providerOptions,
        string executionProvider,
        IReadOnlyList<string> skippedProviders,
        DetectorOptions options,
        ILogger logger)
    {
        _session = session;
        _sessionOptions = sessionOptions;
        _providerOptions = providerOptions;
        ExecutionProvider = executionProvider;
        SkippedProviders = skippedProviders;
        _scoreThreshold = options.ScoreThreshold;
        _nms = new NonMaxSuppression(options.IouThreshold, options.MaxDetections, options.ClassAgnosticNms);
        _inputNames = new string[1];
        _outputNames = new string[1];
        _inputBuffer = [];
        _outputBuffer = [];
        _inputs = [];
        _outputs = [];
        _letterboxes = [];
        InputShape = [];
        OutputShape = [];
        try
        {
            var probe = new ModelContractProbe(session, modelPath);
            var metadata = probe.ReadMetadata();
            var (inputName, width, height) = probe.ReadInput(metadata);
            _inputNames[0] = inputName;

            // ReadInput accepted a first dimension of 1 or symbolic; only a symbolic one takes more than one frame.
            var batchDynamic = session.InputMetadata[inputName].Dimensions[0] < 0;
            MaxBatchSize = batchDynamic ? options.MaxBatchSize : 1;
            if (!batchDynamic && options.MaxBatchSize > 1)
            {
                Log.FixedBatch(logger, modelPath, options.MaxBatchSize);
            }

            _inputLength = 3 * width * height;
            InputShape = [1, 3, height, width];
            _letterboxes = new Letterbox[MaxBatchSize];
            _inputs = new OrtValue[MaxBatchSize][];
            _outputs = new OrtValue[MaxBatchSize][];
            _inputBuffer = GC.AllocateArray<float>(_inputLength * MaxBatchSize, pinned: true);
            for (var n = 1; n <= MaxBatchSize; n++)
            {
                _inputs[n - 1] = [OrtValue.CreateTensorValueFromMemory(
                    OrtMemoryInfo.DefaultInstance, _inputBuffer.AsMemory(0, _inputLength * n), [n, 3, height, width])];
            }

            var (outputName, shape) = probe.ReadOutput(width, height, _runOptions, _inputNames, _inputs[0]);
            _outputNames[0] = outputName;
            OutputShape = shape;
            _decoder = YoloOutputDecoder.Create(modelPath, shape, metadata.Names?.Count, metadata.EndToEnd);
            _outputBuffer = GC.AllocateArray<float>(_decoder.OutputLength * MaxBatchSize, pinned: true);
            for (var n = 1; n <= MaxBatchSize; n++)
            {
                long[] batchShape = [n, .. shape[1..]];
                _outputs[n - 1] = [OrtValue.CreateTensorValueFromMemory(
                    OrtMemoryInfo.DefaultInstance, _outputBuffer.AsMemory(0, _decoder.OutputLength * n), batchShape)];
            }

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

    /// <summary>The providers of the chain tried before <see cref="ExecutionProvider"/>, each with why it did not load.</summary>
    public IReadOnlyList<string> SkippedProviders { get; }

    /// <summary>The shape of one frame's network input: [1, 3, height, width].</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>The shape of one frame's raw output, as the model produced it on a blank frame at load.</summary>
    public IReadOnlyList<long> OutputShape { get; }

    public int MaxBatchSize { get; }

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
        var detector = new OnnxDetector(modelPath, session, sessionOptions, providerOptions, provider, skipped, options, logger);
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
        Prepare(frame, 0, nameof(frame));
        _session.Run(_runOptions, _inputNames, _inputs[0], _outputNames, _outputs[0]);
        return Collect(0);
    }

    /// <summary>
    /// Runs up to <see cref="MaxBatchSize"/> frames per inference: each frame letterboxed into its own row of one
    /// [N, 3, H, W] tensor, one <c>Run</c>, each output row decoded and suppressed on its own, so result <c>i</c> is
    /// what <see cref="Detect"/> gives for frame <c>i</c>. A bad frame fails the whole call before anything runs.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<Detection>> DetectBatch(IReadOnlyList<Mat> frames)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(frames);
        var results = new IReadOnlyList<Detection>[frames.Count];
        for (var start = 0; start < frames.Count; start += MaxBatchSize)
        {
            var count = Math.Min(MaxBatchSize, frames.Count - start);
            for (var i = 0; i < count; i++)
            {
                Prepare(frames[start + i], i, $"{nameof(frames)}[{start + i}]");
            }

            _session.Run(_runOptions, _inputNames, _inputs[count - 1], _outputNames, _outputs[count - 1]);
            for (var i = 0; i < count; i++)
            {
                results[start + i] = Collect(i);
            }
        }

        return results;
    }

    /// <summary>
    /// Runs one network input that is already prepared: planar RGB in [0, 1], exactly 3 × height × width floats of the
    /// model (<see cref="InputShape"/>), as <see cref="Letterbox.FillImage"/> writes it. Boxes are in input pixels.
    /// Needs no OpenCV (its NMS is <see cref="NonMaxSuppression.ApplyManaged"/>), so a device can prove its model runs
    /// before its camera stack does.
    /// </summary>
    public IReadOnlyList<Detection> DetectPrepared(ReadOnlySpan<float> input)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (input.Length != _inputLength)
        {
            throw new ArgumentException(
                $"The prepared input holds {input.Length} floats; the model's input {YoloOutputDecoder.FormatShape([.. InputShape])} needs {_inputLength}.",
                nameof(input));
        }

        // The identity geometry: the next frame of another size recomputes its letterbox and repaints the padding.
        _letterboxes[0] = Letterbox.Compute(Model.InputWidth, Model.InputHeight, Model.InputWidth, Model.InputHeight);
        input.CopyTo(_inputBuffer.AsSpan(0, _inputLength));
        _session.Run(_runOptions, _inputNames, _inputs[0], _outputNames, _outputs[0]);
        return Collect(0, managedNms: true);
    }

    private void Prepare(Mat frame, int slot, string parameter)
    {
        ArgumentNullException.ThrowIfNull(frame, parameter);
        ObjectDisposedException.ThrowIf(frame.IsDisposed, frame);
        if (frame.Empty())
        {
            throw new ArgumentException("The frame is empty (no pixels): the camera or decoder returned nothing.", parameter);
        }

        if (frame.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"Expected an 8-bit, 3-channel BGR frame (CV_8UC3), got {frame.Type()}.", parameter);
        }

        var tensor = _inputBuffer.AsSpan(slot * _inputLength, _inputLength);
        ref var letterbox = ref _letterboxes[slot];
        if (frame.Width != letterbox.SourceWidth || frame.Height != letterbox.SourceHeight)
        {
            letterbox = Letterbox.Compute(frame.Width, frame.Height, Model.InputWidth, Model.InputHeight);
            letterbox.FillPadding(tensor);
        }

        letterbox.FillImage(frame, _resizeBuffer ??= new Mat(), tensor);
    }

    private IReadOnlyList<Detection> Collect(int slot, bool managedNms = false)
    {
        _candidates.Clear();
        _decoder.Decode(_outputBuffer.AsSpan(slot * _decoder.OutputLength, _decoder.OutputLength), _scoreThreshold, _candidates);
        if (_decoder.Layout == YoloOutputLayout.EndToEnd)
        {
            _nms.KeepStrongest(_candidates, _kept);
        }
        else if (managedNms)
        {
            _nms.ApplyManaged(_candidates, _kept);
        }
        else
        {
            _nms.Apply(_candidates, _kept);
        }

        if (_kept.Count == 0)
        {
            return [];
        }

        var letterbox = _letterboxes[slot];
        var names = Model.ClassNames;
        var detections = new List<Detection>(_kept.Count);
        foreach (var c in _kept)
        {
            var box = letterbox.ToSource(c.X1, c.Y1, c.X2, c.Y2);

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
        foreach (var values in _inputs.Concat(_outputs))
        {
            // A constructor that failed part-way leaves later entries unset.
            if (values is not null)
            {
                OrtErrors.DisposeQuietly(values[0]);
            }
        }

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

        // A black frame of the input's own size: what a blank Mat letterboxes to, written without OpenCV.
        var blank = new float[_inputLength];
        for (var i = 0; i < runs; i++)
        {
            DetectPrepared(blank);
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

        [LoggerMessage(
            EventId = 2,
            Level = LogLevel.Information,
            Message = "The model {ModelPath} has a fixed batch of 1, so batches of up to {MaxBatchSize} frames run one frame at a time")]
        public static partial void FixedBatch(ILogger logger, string modelPath, int maxBatchSize);
    }
}
