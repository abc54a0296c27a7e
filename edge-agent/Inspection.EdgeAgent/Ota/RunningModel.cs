using Inspection.Contracts.Mqtt;

namespace Inspection.EdgeAgent.Ota;

/// <summary>The model that decides now, as the reported state names it, and the execution provider it runs on.</summary>
/// <param name="Model">Name, version, and the release and SHA-256 of the package it came from (null for the configured model).</param>
/// <param name="ExecutionProvider">TensorRT, CUDA or CPU on a device.</param>
/// <param name="FailedInARow">
/// Frames in a row this model failed on, up to the last one it ran (0 once it decides a frame): what tells a failing
/// model from a cause left over by a candidate that was rolled back.
/// </param>
public sealed record RunningModel(ModelInfo Model, string ExecutionProvider, int FailedInARow = 0);
