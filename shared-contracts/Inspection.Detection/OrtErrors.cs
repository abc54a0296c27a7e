namespace Inspection.Detection;

/// <summary>What the detector does with ONNX Runtime's exceptions and native handles.</summary>
internal static class OrtErrors
{
    public static string ShortReason(Exception ex)
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

    public static void DisposeQuietly(IDisposable? disposable)
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
}
