namespace Inspection.EdgeAgent.Storage;

/// <summary>How full the outbox is against its quota.</summary>
/// <param name="Bytes">Stored size of the entries.</param>
/// <param name="Entries">Entries waiting for the cloud.</param>
/// <param name="MaxBytes">The byte quota (<c>Outbox:MaxBytes</c>).</param>
/// <param name="MaxEntries">The entry quota (<c>Outbox:MaxEntries</c>).</param>
public readonly record struct OutboxUsage(long Bytes, long Entries, long MaxBytes, long MaxEntries)
{
    /// <summary>The larger of the byte share and the entry share of the quota (1 = full).</summary>
    public double Share => Math.Max(MaxBytes <= 0 ? 0 : (double)Bytes / MaxBytes, MaxEntries <= 0 ? 0 : (double)Entries / MaxEntries);
}
