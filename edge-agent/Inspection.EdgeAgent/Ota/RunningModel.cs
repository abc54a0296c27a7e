using Inspection.Contracts.Mqtt;

namespace Inspection.EdgeAgent.Ota;

/// <summary>The model that decides now, as the reported state names it, and the execution provider it runs on.</summary>
/// <param name="Model">Name, version, and the release and SHA-256 of the package it came from (null for the configured model).</param>
/// <param name="ExecutionProvider">TensorRT, CUDA or CPU on a device.</param>
public sealed record RunningModel(ModelInfo Model, string ExecutionProvider);
