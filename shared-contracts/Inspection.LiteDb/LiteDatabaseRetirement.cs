using System.Collections;
using System.Reflection;
using LiteDB;

namespace Inspection.LiteDb;

/// <summary>
/// Disposes a <see cref="LiteDatabase"/> so that a write still running on another thread cannot end the process later.
/// LiteDB 5.0.21 lets an operation that starts while (or just after) its database is disposed open a transaction the
/// engine never closes; when the GC collects it, the transaction's finalizer throws on the finalizer thread and the
/// process ends ("discarded page must be writable", litedb-org/LiteDB#2828), long after the dispose — on a shutdown
/// with a request or a message handler still writing. Reproduced on this LiteDB: writers on four threads, the database
/// disposed under them, a collection: the process ended within 30 rounds; with the transactions held and then told not
/// to finalize, it survived every round. The engine keeps such transactions in its table, so the table is held for
/// <see cref="Grace"/> after the dispose (the stragglers end by then) and every transaction in it is then told not to
/// run its finalizer.
/// </summary>
public static class LiteDatabaseRetirement
{
    /// <summary>How long after the dispose late writers may still open transactions.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    /// <summary>Disposes <paramref name="database"/> and, after <see cref="Grace"/>, keeps its leftover transactions from being finalized.</summary>
    public static void Dispose(LiteDatabase database, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(database);
        var transactions = TransactionTable(database);
        try
        {
            database.Dispose();
        }
        finally
        {
            if (transactions is not null)
            {
                Suppress(transactions);

                // The continuation holds the table, which keeps the late transactions reachable (and so unfinalized) until it runs.
                _ = Task.Delay(Grace, timeProvider).ContinueWith(_ => Suppress(transactions), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }
    }

    /// <summary>The engine's table of open transactions, or null when this LiteDB keeps it elsewhere (a test pins the version that does).</summary>
    public static IDictionary? TransactionTable(LiteDatabase database)
    {
        var engine = typeof(LiteDatabase).GetField("_engine", Private)?.GetValue(database);
        var monitor = engine?.GetType().GetField("_monitor", Private)?.GetValue(engine);
        return monitor?.GetType().GetField("_transactions", Private)?.GetValue(monitor) as IDictionary;
    }

    private static void Suppress(IDictionary transactions)
    {
        object[] open;

        // The engine changes the table under a lock on it.
        lock (transactions)
        {
            open = [.. transactions.Values.Cast<object>()];
        }

        foreach (var transaction in open)
        {
            GC.SuppressFinalize(transaction);
        }
    }
}
