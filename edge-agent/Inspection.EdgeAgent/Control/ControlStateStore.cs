using Inspection.Contracts.Mqtt;
using Inspection.EdgeAgent.Storage;
using LiteDB;

namespace Inspection.EdgeAgent.Control;

/// <summary>
/// Persists the applied desired state (version, commanded mode, model target), so a restarted agent resumes with
/// what it was told and ignores the same retained message when it reconnects.
/// </summary>
public sealed class ControlStateStore
{
    private const string DocumentId = "desired";
    private readonly EdgeDatabase _database;

    public ControlStateStore(EdgeDatabase database)
    {
        _database = database;
    }

    /// <summary>The applied desired state, or null before the first one.</summary>
    public DesiredState? Load()
    {
        var document = _database.ControlCollection.FindById(DocumentId);
        if (document is null)
        {
            return null;
        }

        if (document.TryGetValue("payload", out var payload) && payload.IsBinary
            && MqttPayloads.TryParseDesired(payload.AsBinary, out var desired, out _))
        {
            return desired;
        }

        // Written before the model target existed: version and mode only.
        return document["version"].IsNumber && document["mode"].IsString
            ? new DesiredState(MqttPayloads.SchemaVersion, document["version"].AsInt64, document["mode"].AsString)
            : null;
    }

    public void Save(DesiredState desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        _database.ControlCollection.Upsert(new BsonDocument
        {
            ["_id"] = DocumentId,
            ["payload"] = MqttPayloads.Serialize(desired),
        });
        _database.MakeDurable();
    }
}
