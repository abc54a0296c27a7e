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

    private AgentUpdateRecord? _latest;

    public AgentUpdateStore(string folder)
    {
        Folder = Path.GetFullPath(folder);
    }

    /// <summary>The record as last loaded or saved by this process (the reported state reads it without touching the disk).</summary>
    public AgentUpdateRecord? Latest => Volatile.Read(ref _latest);

    public string Folder { get; }

    public string StatePath => Path.Combine(Folder, StateFile);

    /// <summary>Where downloaded bundles are staged.</summary>
    public string DownloadsPath => Path.Combine(Folder, "downloads");

    /// <summary>The record, or null when there is none or it cannot be read (a damaged file is treated as none: nothing can be resumed from it).</summary>
    public AgentUpdateRecord? Load()
    {
        AgentUpdateRecord? record;
        try
        {
            record = File.Exists(StatePath)
                ? JsonSerializer.Deserialize(File.ReadAllBytes(StatePath), AgentUpdateJsonContext.Default.AgentUpdateRecord)
                : null;
        }
        catch (JsonException)
        {
            record = null;
        }

        Volatile.Write(ref _latest, record);
        return record;
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
        Volatile.Write(ref _latest, record);
    }

    /// <summary>
    /// Saves a <c>requested</c> record and then touches <c>request</c>, the file the updater's path unit watches
    /// (<c>inspection-agent-update.path</c>): the record is complete on disk before the updater can start.
    /// </summary>
    public void Request(AgentUpdateRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Save(record);
        File.WriteAllText(RequestPath, $"{record.Version}\n");
    }

    /// <summary>The file whose change starts the updater on the device.</summary>
    public string RequestPath => Path.Combine(Folder, "request");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(AgentUpdateRecord))]
internal sealed partial class AgentUpdateJsonContext : JsonSerializerContext;
