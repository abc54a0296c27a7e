namespace Inspection.EdgeAgent.SelfTest;

/// <summary>Tensor shapes as the report writes them: <c>[1, 3, 480, 480]</c>.</summary>
internal static class ShapeText
{
    public static string Of(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
}
