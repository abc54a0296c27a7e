using System.Text.Json;
using System.Text.Json.Serialization;
using Inspection.Detection.Packaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Inspection.EdgeAgent.Ota;

/// <summary>
/// The pointer to the committed model, <c>{Ota:ModelsPath}/current.json</c>. Written only at commit, atomically
/// (a temporary file, flushed to disk, then renamed over the old one), so after a crash at any moment it names
/// either the old committed model or the new one, never a half-written file or an uncommitted model.
/// </summary>
public sealed class CommittedModelFile
{
    public const string FileName = "current.json";

    public CommittedModelFile(IOptions<OtaOptions> options, IHostEnvironment environment)
        : this(Path.GetFullPath(options.Value.ModelsPath, environment.ContentRootPath))
    {
    }

    public CommittedModelFile(string modelsFolder)
    {
        ModelsFolder = modelsFolder;
        PointerPath = Path.Combine(modelsFolder, FileName);
    }

    public string ModelsFolder { get; }

    public string PointerPath { get; }

    /// <summary>
    /// The committed model, or null before the first commit. Throws <see cref="InvalidDataException"/> when the
    /// pointer is unreadable or the model file no longer matches its hash.
    /// </summary>
    public CommittedModel? Read()
    {
        if (!File.Exists(PointerPath))
        {
            return null;
        }

        CommittedModel? committed;
        try
        {
            committed = JsonSerializer.Deserialize(File.ReadAllBytes(PointerPath), CommittedJsonContext.Default.CommittedModel);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{PointerPath} is not readable: {ex.Message}", ex);
        }

        if (committed is null)
        {
            throw new InvalidDataException($"{PointerPath} is empty.");
        }

        if (!File.Exists(committed.ModelPath) || ModelPackage.Sha256OfFile(committed.ModelPath) != committed.Sha256)
        {
            throw new InvalidDataException($"the committed model file {committed.ModelPath} is missing or does not match its SHA-256 {committed.Sha256}");
        }

        return committed;
    }

    /// <summary>The highest release committed here (0 before any): packages at or below it are refused.</summary>
    public long HighestRelease()
    {
        try
        {
            return Read()?.Release ?? 0;
        }
        catch (InvalidDataException)
        {
            // The pointer still says which release was committed, even if its file is damaged: parse only that.
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(PointerPath));
                return document.RootElement.TryGetProperty("release", out var release) && release.TryGetInt64(out var value) ? value : 0;
            }
            catch (JsonException)
            {
                return 0;
            }
        }
    }

    /// <summary>Goes back to the configured model (a rollback): the pointer is removed, so the agent starts on <c>Detector:ModelPath</c>.</summary>
    public void Clear()
    {
        if (File.Exists(PointerPath))
        {
            File.Delete(PointerPath);
        }
    }

    /// <summary>Makes <paramref name="committed"/> the committed model: write, flush to disk, rename.</summary>
    public void Write(CommittedModel committed)
    {
        ArgumentNullException.ThrowIfNull(committed);
        Directory.CreateDirectory(ModelsFolder);
        var temporary = PointerPath + ".new";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, committed, CommittedJsonContext.Default.CommittedModel);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, PointerPath, overwrite: true);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(CommittedModel))]
[JsonSerializable(typeof(global::Inspection.Contracts.Mqtt.ModelTarget))]
internal sealed partial class CommittedJsonContext : JsonSerializerContext;
