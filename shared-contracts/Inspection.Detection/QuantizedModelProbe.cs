using System.Text;

namespace Inspection.Detection;

/// <summary>
/// Tells whether an ONNX file holds QDQ (QuantizeLinear/DequantizeLinear) nodes, so TensorRT gets int8
/// enabled for quantized models only: int8 without QDQ nodes would ask for a calibration table we do not have.
/// </summary>
internal static class QuantizedModelProbe
{
    private static readonly byte[] Marker = Encoding.ASCII.GetBytes("DequantizeLinear");

    /// <summary>
    /// Scans the file for the operator name as protobuf stores it (plain bytes). Streams in chunks so a
    /// large model is not read into memory at once.
    /// </summary>
    public static bool ContainsQdqNodes(string modelPath)
    {
        const int ChunkSize = 1 << 20;
        var buffer = new byte[ChunkSize + Marker.Length];
        using var stream = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var carried = 0;
        while (true)
        {
            var read = stream.Read(buffer, carried, ChunkSize);
            if (read == 0)
            {
                return false;
            }

            var filled = carried + read;
            if (buffer.AsSpan(0, filled).IndexOf(Marker) >= 0)
            {
                return true;
            }

            // Keep the tail so a marker split across two chunks is still found.
            carried = Math.Min(Marker.Length - 1, filled);
            buffer.AsSpan(filled - carried, carried).CopyTo(buffer);
        }
    }
}
