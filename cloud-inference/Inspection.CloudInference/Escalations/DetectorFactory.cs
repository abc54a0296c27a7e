using Inspection.Detection;

namespace Inspection.CloudInference.Escalations;

/// <summary>
/// Loads and warms the cloud model. The default is the ONNX Runtime detector; the seam exists so the
/// backend (or, in tests, the model file) can be swapped without touching the escalation path.
/// </summary>
/// <param name="options">The <c>Detector</c> options, with <see cref="DetectorOptions.ModelPath"/> already absolute.</param>
/// <param name="logger">Where the detector logs its execution-provider choice.</param>
public delegate IDetector DetectorFactory(DetectorOptions options, ILogger logger);
