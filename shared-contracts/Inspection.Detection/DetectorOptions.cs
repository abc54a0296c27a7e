using System.ComponentModel.DataAnnotations;

namespace Inspection.Detection;

/// <summary>How a detection model is loaded and run. Bound from the <c>Detector</c> section.</summary>
public sealed class DetectorOptions : IValidatableObject
{
    public const string SectionName = "Detector";

    /// <summary>Path of the ONNX model file (any Ultralytics detection export). Required.</summary>
    [Required(ErrorMessage = "Detector:ModelPath is required: the path of the .onnx model file.")]
    public string ModelPath { get; set; } = string.Empty;

    /// <summary>
    /// Execution providers to try, in order; the first that loads runs the model. Names: <c>TensorRT</c>,
    /// <c>CUDA</c>, <c>CPU</c>. Empty (the default) means TensorRT, CUDA, CPU. CPU always works and is appended
    /// if missing.
    /// </summary>
    /// <remarks>
    /// The default is an empty list rather than the chain itself because the configuration binder appends
    /// configured array items to a property's initial items: a configured ["CPU"] would otherwise become
    /// TensorRT, CUDA, CPU, CPU.
    /// </remarks>
    public string[] ExecutionProviders { get; set; } = [];

    /// <summary>GPU index for TensorRT and CUDA. Default 0.</summary>
    [Range(0, 16, ErrorMessage = "Detector:GpuDeviceId must be between 0 and 16 (0 is the first GPU).")]
    public int GpuDeviceId { get; set; }

    /// <summary>
    /// Folder where TensorRT keeps built engines, so a restart does not rebuild them. Default
    /// <c>trt-cache</c> beside the model.
    /// </summary>
    public string? TensorRtCachePath { get; set; }

    /// <summary>
    /// Use FP16 in TensorRT for layers that are not int8-quantized. Default true. (Int8 is switched on by
    /// itself for QDQ-quantized models.)
    /// </summary>
    public bool TensorRtFp16 { get; set; } = true;

    /// <summary>
    /// Detections below this class score are dropped before NMS. Default 0.15, below the lower edge of any band
    /// the shipped models' curve suggests. Must not exceed the lower edge of the band, or uncertain frames would pass unseen.
    /// </summary>
    /// <remarks>
    /// Measured with <c>Inspection.ModelTools bench</c> on the edge model: at 0.05 every cell of a clean plate
    /// (score ≈ 0.08) becomes an NMS candidate and the pipeline costs 1.38× a bare Run with 6 KB allocated per
    /// frame; at 0.25 it costs 1.03× with under 600 B (hand-designed filter-bank models of the first release).
    /// </remarks>
    [Range(0.0, 1.0, ErrorMessage = "Detector:ScoreThreshold must be between 0 and 1.")]
    public float ScoreThreshold { get; set; } = 0.15f;

    /// <summary>IoU above which NMS suppresses the weaker of two boxes of the same class. Default 0.45.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Detector:IouThreshold must be between 0 and 1.")]
    public float IouThreshold { get; set; } = 0.45f;

    /// <summary>
    /// Let boxes of different classes suppress each other in NMS: one box per defect even where the model hesitates
    /// between two look-alike classes (a scratch and a crack), as Ultralytics' <c>agnostic_nms</c>. Default false.
    /// </summary>
    public bool ClassAgnosticNms { get; set; }

    /// <summary>At most this many detections per frame after NMS. Default 100.</summary>
    [Range(1, 10000, ErrorMessage = "Detector:MaxDetections must be between 1 and 10000.")]
    public int MaxDetections { get; set; } = 100;

    /// <summary>CPU threads for one inference (0: ONNX Runtime's default). Default 0.</summary>
    [Range(0, 256, ErrorMessage = "Detector:IntraOpThreads must be between 0 (ONNX Runtime decides) and 256.")]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Most frames one inference takes (<see cref="IDetector.DetectBatch"/>). Default 1. Above 1, a model whose batch
    /// dimension is dynamic gets input and output buffers for this many frames, and TensorRT builds its engine for an
    /// optimisation profile of batch 1 to this size (optimised for this size); a model whose batch is fixed at 1 runs
    /// batches frame by frame, said once in the log. The cloud sets it from <c>Cloud:Batching:MaxBatchSize</c>.
    /// </summary>
    [Range(1, 256, ErrorMessage = "Detector:MaxBatchSize must be between 1 and 256 frames per inference.")]
    public int MaxBatchSize { get; set; } = 1;

    /// <summary>
    /// Warm-up runs after loading, before the model is reported ready. Default 2. A model whose output
    /// shape is dynamic gets one more run at load, to read the real shape.
    /// </summary>
    [Range(0, 100, ErrorMessage = "Detector:WarmupRuns must be between 0 and 100.")]
    public int WarmupRuns { get; set; } = 2;

    /// <summary>
    /// A copy of every setting, to change one (a resolved <see cref="ModelPath"/>) without missing the others: a copy
    /// written field by field silently drops every setting added after it.
    /// </summary>
    public DetectorOptions Clone() => (DetectorOptions)MemberwiseClone();

    /// <summary>Checks what the range attributes cannot: the provider names.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ExecutionProviderChain.Validate(ExecutionProviders) is { } error)
        {
            yield return new ValidationResult(error, [nameof(ExecutionProviders)]);
        }
    }
}
