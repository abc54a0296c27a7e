using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// The agent update's state file (<c>state.json</c> in <c>AgentUpdate:StatePath</c>), shared by the agent (which
/// requests an update and reports its outcome) and the updater (which carries it out). Written to a temporary file,
/// flushed to disk and renamed over the old one, so a reader sees the old record or the new one, never half of one.
/// </summary>
public sealed class AgentUpdateStore
{
    private const string StateFile = "state.json";

    public AgentUpdateStore(string folder)
    {
        Folder = Path.GetFullPath(folder);
    }

    public string Folder { get; }

    public string StatePath => Path.Combine(Folder, StateFile);

    /// <summary>Where downloaded bundles are staged.</summary>
    public string DownloadsPath => Path.Combine(Folder, "downloads");

    /// <summary>The record, or null when there is none or it cannot be read (a damaged file is treated as none: nothing can be resumed from it).</summary>
    public AgentUpdateRecord? Load()
    {
        try
        {
            return File.Exists(StatePath)
                ? JsonSerializer.Deserialize(File.ReadAllBytes(StatePath), AgentUpdateJsonContext.Default.AgentUpdateRecord)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Save(AgentUpdateRecord record)
    {
        Directory.CreateDirectory(Folder);
        var temporary = Path.Combine(Folder, $".{StateFile}.{Guid.NewGuid():N}");
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, record, AgentUpdateJsonContext.Default.AgentUpdateRecord);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, StatePath, overwrite: true);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(AgentUpdateRecord))]
internal sealed partial class AgentUpdateJsonContext : JsonSerializerContext;
