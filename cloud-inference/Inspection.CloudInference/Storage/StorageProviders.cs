using Npgsql;

namespace Inspection.CloudInference.Storage;

/// <summary>The values of <c>Cloud:StorageProvider</c>.</summary>
public static class StorageProviders
{
    /// <summary>The embedded LiteDB file: one cloud process, no server to run.</summary>
    public const string LiteDb = "litedb";

    /// <summary>A PostgreSQL database shared by several cloud replicas.</summary>
    public const string PostgreSql = "postgresql";

    /// <summary>What is wrong with a PostgreSQL connection string, in words for whoever set it; null when usable.</summary>
    public static string? CheckConnectionString(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return "Cloud:PostgreSqlConnectionString is required when Cloud:StorageProvider is 'postgresql', "
                + "e.g. Host=db;Port=5432;Database=inspection;Username=inspection;Password=secret.";
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                return "Cloud:PostgreSqlConnectionString names no server: add Host=<name or address>.";
            }

            if (string.IsNullOrWhiteSpace(builder.Database))
            {
                return "Cloud:PostgreSqlConnectionString names no database: add Database=<name>.";
            }

            return null;
        }
        catch (ArgumentException ex)
        {
            // The message of a bad keyword names the keyword; the password is never part of it.
            return $"Cloud:PostgreSqlConnectionString is not a valid connection string: {ex.Message}";
        }
    }
}
