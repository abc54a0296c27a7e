namespace Inspection.Detection.Packaging;

/// <summary>One file of a model package.</summary>
/// <param name="Path">Its path inside the package, with '/' separators (e.g. <c>model.onnx</c>, <c>golden/0.jpg</c>).</param>
/// <param name="Sha256">SHA-256 of its bytes, 64 lowercase hex digits.</param>
/// <param name="Size">Its length in bytes.</param>
public sealed record PackageFile(string Path, string Sha256, long Size);
