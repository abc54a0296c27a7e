using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using Inspection.CloudInference.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inspection.CloudInference.Accounts;

/// <summary>
/// <c>Inspection.CloudInference accounts add|token</c>: writes an account (the first admin) or a token straight into the
/// cloud database, with the same configuration as the service (<c>Cloud:StoragePath</c> or, with
/// <c>Cloud:StorageProvider=postgresql</c>, <c>Cloud:PostgreSqlConnectionString</c>; appsettings.json, environment,
/// <c>--Cloud:…=…</c> arguments). The LiteDB file can only be written while the service is stopped; the shared
/// PostgreSQL database also while replicas run. Exit codes: 0 done, 1 the store could not be used (in
/// use by a running cloud, a bad setting), 2 bad arguments, 3 refused (the name exists; no such account).
/// </summary>
public static class AccountsCommand
{
    public const int Ok = 0;
    public const int StoreFailed = 1;
    public const int BadArguments = 2;
    public const int Refused = 3;

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("The cloud service. Without 'accounts', runs the service with these host arguments.")
        {
            Create(input, output, error),
        };
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }, cancellationToken)
            .ConfigureAwait(false);
    }

    private static Command Create(TextReader input, TextWriter output, TextWriter error)
    {
        var accounts = new Command("accounts", "Write accounts into the cloud database while the service is stopped (then use the account API).");

        var name = new Option<string>("--name") { Description = "The account's name.", Required = true };
        var role = new Option<string>("--role") { Description = $"One of {string.Join(", ", AccountRoles.All)}.", Required = true };
        var passwordFile = new Option<FileInfo>("--password-file") { Description = "A file holding the password (its first line)." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input." };
        var add = new Command("add", "Create an account.") { name, role, passwordFile, passwordStdin };
        add.TreatUnmatchedTokensAsErrors = false;
        add.SetAction(async (parse, cancellationToken) =>
        {
            var password = await PasswordAsync(parse.GetValue(passwordFile), parse.GetValue(passwordStdin), input, error, cancellationToken).ConfigureAwait(false);
            return password is null
                ? BadArguments
                : await WithStoreAsync(parse.UnmatchedTokens, error, async store =>
                {
                    var account = store.Create(parse.GetRequiredValue(name), parse.GetRequiredValue(role), password, Actor);
                    await output.WriteLineAsync($"Account '{account.Name}' created with role {account.Role}.".AsMemory(), cancellationToken).ConfigureAwait(false);
                    return Ok;
                }).ConfigureAwait(false);
        });

        var tokenAccount = new Option<string>("--name") { Description = "The account the token signs in as.", Required = true };
        var tokenName = new Option<string>("--token-name") { Description = "What the token is for (default: token)." };
        var token = new Command("token", "Issue an API token and print it (only the token, for scripts); it is shown this once.") { tokenAccount, tokenName };
        token.TreatUnmatchedTokensAsErrors = false;
        token.SetAction((parse, cancellationToken) => WithStoreAsync(parse.UnmatchedTokens, error, async store =>
        {
            var (issued, _) = store.IssueToken(parse.GetRequiredValue(tokenAccount), parse.GetValue(tokenName), Actor);
            await output.WriteLineAsync(issued.AsMemory(), cancellationToken).ConfigureAwait(false);
            return Ok;
        }));

        accounts.Subcommands.Add(add);
        accounts.Subcommands.Add(token);
        return accounts;
    }

    private static string Actor => $"command line ({Environment.UserName})";

    private static async Task<string?> PasswordAsync(FileInfo? file, bool stdin, TextReader input, TextWriter error, CancellationToken cancellationToken)
    {
        if ((file is null) == !stdin)
        {
            await error.WriteLineAsync("Give the password with exactly one of --password-file FILE or --password-stdin (never on the command line, where ps shows it).".AsMemory(), cancellationToken).ConfigureAwait(false);
            return null;
        }

        try
        {
            var text = file is null ? await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) : (await File.ReadAllLinesAsync(file.FullName, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
            if (!string.IsNullOrEmpty(text))
            {
                return text;
            }

            await error.WriteLineAsync($"{(file is null ? "Standard input" : file.FullName)} holds no password on its first line.".AsMemory(), cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"The password file {file?.FullName} could not be read: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    private static async Task<int> WithStoreAsync(IReadOnlyList<string> hostArgs, TextWriter error, Func<AccountStore, Task<int>> body)
    {
        var builder = CloudInferenceApp.CreateBuilder([.. hostArgs]);
        var cloud = builder.Configuration.GetSection(CloudOptions.SectionName).Get<CloudOptions>() ?? new CloudOptions();
        var accounts = builder.Configuration.GetSection(AccountOptions.SectionName).Get<AccountOptions>() ?? new AccountOptions();
        var problems = new List<ValidationResult>();
        Validator.TryValidateObject(cloud, new ValidationContext(cloud), problems, validateAllProperties: true);
        Validator.TryValidateObject(accounts, new ValidationContext(accounts), problems, validateAllProperties: true);
        if (problems.Count > 0)
        {
            await error.WriteLineAsync(string.Join(" ", problems.Select(p => p.ErrorMessage)).AsMemory(), CancellationToken.None).ConfigureAwait(false);
            return StoreFailed;
        }

        IDisposable database;
        IAccountTable table;
        if (cloud.UsesPostgreSql)
        {
            if (StorageProviders.CheckConnectionString(cloud.PostgreSqlConnectionString) is { } problem)
            {
                await error.WriteLineAsync(problem.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                return StoreFailed;
            }

            var shared = new PostgreSqlDatabase(cloud.PostgreSqlConnectionString!);
            try
            {
                // The command may run before the cloud ever started on this database: the tables must exist.
                await PostgreSqlMigrations.ApplyAsync(shared.DataSource, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                await error.WriteLineAsync(shared.Describe(ex).AsMemory(), CancellationToken.None).ConfigureAwait(false);
                shared.Dispose();
                return StoreFailed;
            }

            database = shared;
            table = new PostgreSqlAccountTable(shared);
        }
        else
        {
            try
            {
                var file = new CloudDatabase(Options.Create(cloud), builder.Environment, NullLogger<CloudDatabase>.Instance);
                database = file;
                table = new LiteDbAccountTable(file);
            }
            catch (Exception ex) when (ex is StoreInUseException or IOException or UnauthorizedAccessException or LiteDB.LiteException)
            {
                await error.WriteLineAsync(ex.Message.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                return StoreFailed;
            }
        }

        using (database)
        {
            try
            {
                return await body(new AccountStore(table, Options.Create(accounts), TimeProvider.System, NullLogger<AccountStore>.Instance)).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                await error.WriteLineAsync(ex.Message.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                return BadArguments;
            }
            catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException)
            {
                await error.WriteLineAsync((ex is KeyNotFoundException ? ex.Message.Trim('"') : ex.Message).AsMemory(), CancellationToken.None).ConfigureAwait(false);
                return Refused;
            }
        }
    }
}
