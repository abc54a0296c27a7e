using Microsoft.ML.OnnxRuntime;

namespace Inspection.Detection;

/// <summary>
/// Creates the ONNX Runtime session of a model on the first execution provider of a chain that works (TensorRT →
/// CUDA → CPU), each tried with fresh session options, and says why each earlier one was skipped. The same for the
/// model a device runs and for a candidate it loads beside it during an update.
/// </summary>
internal static class OrtSessionFactory
{
    public static (InferenceSession Session, SessionOptions Options, IDisposable? ProviderOptions, string Provider) Create(
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
                OrtErrors.DisposeQuietly(providerOptions);
                OrtErrors.DisposeQuietly(sessionOptions);
                skipped.Add($"{provider} ({OrtErrors.ShortReason(ex)})");
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
                OrtErrors.DisposeQuietly(providerOptions);
                OrtErrors.DisposeQuietly(sessionOptions);
                if (provider == ExecutionProviderChain.Cpu && ex is OnnxRuntimeException)
                {
                    throw new ModelContractException(
                        modelPath, $"ONNX Runtime cannot load it as a model ({OrtErrors.ShortReason(ex)}); is it a complete .onnx export?", ex);
                }

                if (provider == ExecutionProviderChain.Cpu)
                {
                    throw;
                }

                skipped.Add($"{provider} ({OrtErrors.ShortReason(ex)})");
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
                    var settings = new Dictionary<string, string>(TensorRtProfile.Options(modelPath, options.MaxBatchSize))
                    {
                        ["device_id"] = options.GpuDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["trt_fp16_enable"] = options.TensorRtFp16 ? "1" : "0",
                        ["trt_int8_enable"] = QuantizedModelProbe.ContainsQdqNodes(modelPath) ? "1" : "0",
                        ["trt_engine_cache_enable"] = "1",
                        ["trt_engine_cache_path"] = cachePath,
                        ["trt_timing_cache_enable"] = "1",
                        ["trt_timing_cache_path"] = cachePath,
                    };
                    tensorRt.UpdateOptions(settings);
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
}
