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
    private readonly string _modelPath;
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
        _modelPath = modelPath;
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
            var metadata = ReadMetadata();
            var (inputName, width, height) = ReadInput(metadata);
            _inputNames[0] = inputName;
            _inputBuffer = GC.AllocateArray<float>(3 * width * height, pinned: true);
            _inputs[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _inputBuffer.AsMemory(), [1, 3, height, width]);

            var (outputName, shape) = ReadOutput(width, height);
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
        var (session, sessionOptions, providerOptions, provider) = CreateSession(modelPath, options, chain, skipped);
        var detector = new OnnxDetector(modelPath, session, sessionOptions, providerOptions, provider, options);
        try
        {
            detector.WarmUp(options.WarmupRuns);
        }
        catch (Exception ex) when (ex is not ModelContractException)
        {
            detector.Dispose();
            throw new ModelContractException(modelPath, $"it fails on a blank frame during warm-up: {ShortReason(ex)}", ex);
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
        DisposeQuietly(_inputs[0]);
        DisposeQuietly(_outputs[0]);
        DisposeQuietly(_resizeBuffer);
        DisposeQuietly(_runOptions);
        DisposeQuietly(_session);
        DisposeQuietly(_sessionOptions);
        DisposeQuietly(_providerOptions);
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

    private static (InferenceSession Session, SessionOptions Options, IDisposable? ProviderOptions, string Provider) CreateSession(
        string modelPath, DetectorOptions options, IReadOnlyList<string> chain, List<string> skipped)
    {
        for (var i = 0; i < chain.Count; i++)
        {
            var provider = chain[i];
            SessionOptions? sessionOptions = null;
            IDisposable? providerOptions = null;
            try
            {
                sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
                if (options.IntraOpThreads > 0)
                {
                    sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
                }

                providerOptions = AppendProvider(sessionOptions, provider, modelPath, options, chain.Skip(i + 1).Contains(ExecutionProviderChain.Cuda));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                DisposeQuietly(providerOptions);
                DisposeQuietly(sessionOptions);
                skipped.Add($"{provider} ({ShortReason(ex)})");
                if (provider == ExecutionProviderChain.Cpu)
                {
                    // Nothing is appended for CPU, so this is ONNX Runtime itself (e.g. its native library).
                    throw new InvalidOperationException(
                        $"ONNX Runtime cannot start, so no model can run: {string.Join("; ", skipped)}", ex);
                }

                continue;
            }

            try
            {
                // Appending can succeed while creating the session fails (driver or engine build problems),
                // so the next provider gets fresh SessionOptions rather than this half-configured one.
                return (new InferenceSession(modelPath, sessionOptions), sessionOptions, providerOptions, provider);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                DisposeQuietly(providerOptions);
                DisposeQuietly(sessionOptions);
                if (provider == ExecutionProviderChain.Cpu && ex is OnnxRuntimeException)
                {
                    throw new ModelContractException(
                        modelPath, $"ONNX Runtime cannot load it as a model ({ShortReason(ex)}); is it a complete .onnx export?", ex);
                }

                if (provider == ExecutionProviderChain.Cpu)
                {
                    throw;
                }

                skipped.Add($"{provider} ({ShortReason(ex)})");
            }
        }

        // Unreachable: the chain always contains CPU, which either loads or throws above.
        throw new InvalidOperationException($"No execution provider could load the model: {string.Join("; ", skipped)}");
    }

    private static IDisposable? AppendProvider(
        SessionOptions sessionOptions, string provider, string modelPath, DetectorOptions options, bool cudaFollows)
    {
        switch (provider)
        {
            case ExecutionProviderChain.TensorRT:
                var tensorRt = new OrtTensorRTProviderOptions();
                try
                {
                    var cachePath = options.TensorRtCachePath ?? Path.Combine(Path.GetDirectoryName(modelPath)!, "trt-cache");
                    tensorRt.UpdateOptions(new Dictionary<string, string>
                    {
                        ["device_id"] = options.GpuDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["trt_fp16_enable"] = options.TensorRtFp16 ? "1" : "0",
                        ["trt_int8_enable"] = QuantizedModelProbe.ContainsQdqNodes(modelPath) ? "1" : "0",
                        ["trt_engine_cache_enable"] = "1",
                        ["trt_engine_cache_path"] = cachePath,
                        ["trt_timing_cache_enable"] = "1",
                        ["trt_timing_cache_path"] = cachePath,
                    });
                    Directory.CreateDirectory(cachePath);
                    sessionOptions.AppendExecutionProvider_Tensorrt(tensorRt);
                }
                catch
                {
                    tensorRt.Dispose();
                    throw;
                }

                if (cudaFollows)
                {
                    // Nodes TensorRT cannot take then run on CUDA instead of falling back to the CPU.
                    // Best effort: TensorRT already appended, so a CUDA failure here changes nothing.
                    try
                    {
                        using var cuda = CreateCudaOptions(options);
                        sessionOptions.AppendExecutionProvider_CUDA(cuda);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                    }
                }

                return tensorRt;
            case ExecutionProviderChain.Cuda:
                var cudaOptions = CreateCudaOptions(options);
                try
                {
                    sessionOptions.AppendExecutionProvider_CUDA(cudaOptions);
                }
                catch
                {
                    cudaOptions.Dispose();
                    throw;
                }

                return cudaOptions;
            default:
                // The CPU provider is always registered last by ONNX Runtime itself.
                return null;
        }
    }

    private static OrtCUDAProviderOptions CreateCudaOptions(DetectorOptions options)
    {
        var cuda = new OrtCUDAProviderOptions();
        try
        {
            cuda.UpdateOptions(new Dictionary<string, string>
            {
                ["device_id"] = options.GpuDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            return cuda;
        }
        catch
        {
            cuda.Dispose();
            throw;
        }
    }

    private UltralyticsMetadata ReadMetadata()
    {
        UltralyticsMetadata metadata;
        try
        {
            metadata = UltralyticsMetadata.Parse(_session.ModelMetadata.CustomMetadataMap);
        }
        catch (FormatException ex)
        {
            throw new ModelContractException(_modelPath, $"its {ex.Message}", ex);
        }

        if (metadata.Task is { } task && !string.Equals(task, "detect", StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelContractException(
                _modelPath, $"its metadata task is '{task}'; only 'detect' models are supported (export a detection model).");
        }

        return metadata;
    }

    private (string Name, int Width, int Height) ReadInput(UltralyticsMetadata metadata)
    {
        var inputs = _session.InputMetadata;
        if (inputs.Count != 1)
        {
            throw new ModelContractException(
                _modelPath, $"it has {inputs.Count} inputs ({string.Join(", ", inputs.Keys)}); expected exactly one image input [1, 3, H, W].");
        }

        var (name, input) = inputs.First();
        var dims = input.IsTensor ? input.Dimensions : [];
        var shape = YoloOutputDecoder.FormatShape(Array.ConvertAll(dims, d => (long)d));
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float)
        {
            var type = input.IsTensor ? input.ElementDataType.ToString() : input.OnnxValueType.ToString();
            throw new ModelContractException(
                _modelPath, $"its input '{name}' is {type} {shape}; expected float32 [1, 3, H, W] (export without half precision).");
        }

        if (dims.Length != 4 || dims[0] is not (1 or -1) || dims[1] != 3)
        {
            throw new ModelContractException(_modelPath, $"its input '{name}' has shape {shape}; expected [1, 3, H, W].");
        }

        var height = ResolveSize(dims[2], metadata.ImageHeight, "height");
        var width = ResolveSize(dims[3], metadata.ImageWidth, "width");
        return (name, width, height);
    }

    private int ResolveSize(int fromShape, int? fromMetadata, string what)
    {
        if (fromShape > 0)
        {
            if (fromMetadata is { } declared && declared != fromShape)
            {
                throw new ModelContractException(
                    _modelPath, $"its input {what} is {fromShape} but its imgsz metadata says {declared}.");
            }

            return fromShape;
        }

        return fromMetadata ?? throw new ModelContractException(
            _modelPath, $"its input {what} is dynamic and it has no imgsz metadata; export with a fixed imgsz.");
    }

    private (string Name, long[] Shape) ReadOutput(int width, int height)
    {
        var (name, output) = _session.OutputMetadata.First();
        var dims = output.IsTensor ? Array.ConvertAll(output.Dimensions, d => (long)d) : [];
        if (!output.IsTensor || output.ElementDataType != TensorElementType.Float)
        {
            var type = output.IsTensor ? output.ElementDataType.ToString() : output.OnnxValueType.ToString();
            throw new ModelContractException(
                _modelPath, $"its output '{name}' is {type} {YoloOutputDecoder.FormatShape(dims)}; expected a float32 tensor.");
        }

        if (dims.Length != 3 || Array.TrueForAll(dims, d => d > 0))
        {
            // Static (or wrong-rank) shapes are judged as declared, before anything runs.
            return (name, dims);
        }

        // A dynamic export declares symbolic sizes; one run on a blank input gives the real shape.
        try
        {
            using var probe = _session.Run(_runOptions, _inputNames, _inputs, [name]);
            return (name, probe[0].GetTensorTypeAndShape().Shape);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelContractException(
                _modelPath, $"it fails to run on a blank {width}x{height} input: {ShortReason(ex)}", ex);
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

    private static string ShortReason(Exception ex)
    {
        var message = ex.Message.Trim();
        var newline = message.IndexOfAny(['\r', '\n']);
        if (newline >= 0)
        {
            message = message[..newline].TrimEnd();
        }

        // ONNX Runtime prefixes the cause with its source location ("[ErrorCode:Fail] /onnxruntime_src/…cc:2043
        // …Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library … with error: libcublasLt.so.13: …");
        // the line engineer needs the cause, which comes last.
        const string marker = " : FAIL : ";
        var cause = message.LastIndexOf(marker, StringComparison.Ordinal);
        if (cause >= 0)
        {
            message = message[(cause + marker.Length)..];
        }

        return message.Length <= 200 ? message : string.Concat("...", message.AsSpan(message.Length - 197));
    }

    private static void DisposeQuietly(IDisposable? disposable)
    {
        try
        {
            disposable?.Dispose();
        }
        catch (Exception)
        {
            // Dispose must never throw; a native handle that fails to close has nothing left to recover.
        }
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
