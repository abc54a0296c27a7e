using System.Security.Cryptography;

namespace Inspection.ModelTools.Models;

/// <summary>File-level facts about a model, as the model card lists them.</summary>
public static class ModelFile
{
    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
