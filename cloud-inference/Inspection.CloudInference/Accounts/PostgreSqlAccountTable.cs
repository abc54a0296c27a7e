using System.Text.Json;
using Inspection.CloudInference.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Inspection.CloudInference.Accounts;

/// <summary>Accounts and token hashes in the PostgreSQL database replicas share (<c>Storage/Migrations/0004_accounts.sql</c>).</summary>
public sealed class PostgreSqlAccountTable(PostgreSqlDatabase database) : IAccountTable
{
    private const string UpdateSql = "UPDATE accounts SET role = @role, disabled_at = @disabled, document = @document WHERE id = @id";
    private static readonly JsonSerializerOptions Json = new();

    public StoredAccount? FindAccount(string id) =>
        Documents<StoredAccount>("SELECT document FROM accounts WHERE id = @id", ("id", id)).FirstOrDefault();

    public IReadOnlyList<StoredAccount> Accounts() => Documents<StoredAccount>("SELECT document FROM accounts ORDER BY id COLLATE \"C\"");

    public bool TryInsert(StoredAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        using var connection = database.Open();
        using var command = AccountCommand(
            "INSERT INTO accounts (id, role, disabled_at, document) VALUES (@id, @role, @disabled, @document) ON CONFLICT (id) DO NOTHING",
            account,
            connection,
            null);
        return command.ExecuteNonQuery() == 1;
    }

    public void Update(StoredAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        using var connection = database.Open();
        using var command = AccountCommand(UpdateSql, account, connection, null);
        command.ExecuteNonQuery();
    }

    public bool UpdateKeepingAnAdmin(StoredAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();

        // Serialises every demotion and disabling of an admin across replicas until the commit.
        using (var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AdvisoryLockKeys.LastAdmin})", connection, transaction))
        {
            command.ExecuteNonQuery();
        }

        using (var count = new NpgsqlCommand("SELECT count(*) FROM accounts WHERE role = @admin AND disabled_at IS NULL AND id <> @id", connection, transaction))
        {
            count.Parameters.AddWithValue("admin", AccountRoles.Admin);
            count.Parameters.AddWithValue("id", account.Id);
            if ((long)count.ExecuteScalar()! == 0)
            {
                return false;
            }
        }

        using (var command = AccountCommand(UpdateSql, account, connection, transaction))
        {
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return true;
    }

    public StoredToken? FindToken(string hash) =>
        Documents<StoredToken>("SELECT document FROM account_tokens WHERE id = @id", ("id", hash)).FirstOrDefault();

    public IReadOnlyList<StoredToken> TokensOf(string accountId) =>
        Documents<StoredToken>("SELECT document FROM account_tokens WHERE account_id = @account", ("account", accountId));

    public void Insert(StoredToken token) =>
        WriteToken("INSERT INTO account_tokens (id, account_id, document) VALUES (@id, @account, @document)", token);

    public void Update(StoredToken token) =>
        WriteToken("UPDATE account_tokens SET document = @document WHERE id = @id AND account_id = @account", token);

    private static NpgsqlCommand AccountCommand(string sql, StoredAccount account, NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("id", account.Id);
        command.Parameters.AddWithValue("role", account.Role);
        command.Parameters.AddWithValue("disabled", NpgsqlDbType.TimestampTz, account.DisabledAt is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : DBNull.Value);
        command.Parameters.AddWithValue("document", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(account, Json));
        return command;
    }

    private void WriteToken(string sql, StoredToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        using var connection = database.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", token.Id);
        command.Parameters.AddWithValue("account", token.AccountId);
        command.Parameters.AddWithValue("document", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(token, Json));
        command.ExecuteNonQuery();
    }

    private List<T> Documents<T>(string sql, params (string Name, string Value)[] parameters)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var documents = new List<T>();
        while (reader.Read())
        {
            documents.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), Json)!);
        }

        return documents;
    }
}
