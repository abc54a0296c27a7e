using System.CommandLine;
using Inspection.Contracts.Api.Accounts;

namespace Inspection.OperatorCli.Accounts;

/// <summary>
/// <c>account add|list|disable|enable|role|password|token [list|revoke]</c> over <c>/api/accounts</c>: an admin's token
/// manages every account; any account issues, lists and revokes its own tokens (<c>account token</c> without
/// <c>--name</c>, <c>account token list</c> without a name).
/// </summary>
public static class AccountCommand
{
    public static Command Create(CliConsole console) =>
        new("account", "Accounts of the page and the API: add, list, disable, enable, change a role, reset a password, issue, list and revoke tokens (admin, except your own tokens).")
        {
            Add(console),
            List(console),
            Disable(console),
            Enable(console),
            Role(console),
            Password(console),
            Token(console),
        };

    private static Command Add(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The new account's name." };
        var role = RoleOption();
        var passwordFile = new Option<FileInfo>("--password-file") { Description = "A file whose first line is the password." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input." };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("add", "Create an account (admin).") { name, role, passwordFile, passwordStdin, api, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var password = await PasswordAsync(console, parse.GetValue(passwordFile), parse.GetValue(passwordStdin), cancellationToken).ConfigureAwait(false);
            if (password is null)
            {
                return ExitCodes.BadArguments;
            }

            return await ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
            {
                var answer = await client.PostAsync<CreateAccountRequest, AccountView>(
                    "api/accounts", new CreateAccountRequest(parse.GetRequiredValue(name), parse.GetRequiredValue(role), password), cancellationToken).ConfigureAwait(false);
                return await WriteAsync(console, answer, parse.GetValue(json), $"Account '{answer.Value.Name}' created with role {answer.Value.Role}.", cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("list", "List the accounts (admin).") { api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var answer = await client.GetAsync<List<AccountView>>("api/accounts", cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var table = TextTable.Create("Name", "Role", "Created", "By", "Disabled");
            foreach (var account in answer.Value)
            {
                table.Row(account.Name, account.Role, TextTable.Time(account.CreatedAt), account.CreatedBy, account.DisabledAt is null ? "-" : TextTable.Time(account.DisabledAt));
            }

            console.Ansi.Write(table);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Disable(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The account to disable: its sign-ins and tokens stop working." };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("disable", "Disable an account (admin).") { name, api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var answer = await client.PostAsync<AccountView>($"api/accounts/{Uri.EscapeDataString(parse.GetRequiredValue(name))}/disable", cancellationToken).ConfigureAwait(false);
            return await WriteAsync(console, answer, parse.GetValue(json), $"Account '{answer.Value.Name}' disabled.", cancellationToken).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static Command Enable(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The account to enable again: it signs in with its password; its tokens issued before work again unless revoked." };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("enable", "Enable a disabled account (admin).") { name, api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var answer = await client.PostAsync<AccountView>($"api/accounts/{Uri.EscapeDataString(parse.GetRequiredValue(name))}/enable", cancellationToken).ConfigureAwait(false);
            return await WriteAsync(console, answer, parse.GetValue(json), $"Account '{answer.Value.Name}' enabled.", cancellationToken).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static Command Password(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The account whose password is reset." };
        var passwordFile = new Option<FileInfo>("--password-file") { Description = "A file whose first line is the new password." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the new password from the first line of standard input." };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("password", "Reset an account's password (admin); its sign-ins on the page end, its tokens keep working.")
        {
            name, passwordFile, passwordStdin, api, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var password = await PasswordAsync(console, parse.GetValue(passwordFile), parse.GetValue(passwordStdin), cancellationToken).ConfigureAwait(false);
            if (password is null)
            {
                return ExitCodes.BadArguments;
            }

            return await ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
            {
                var answer = await client.PutAsync<SetPasswordRequest, AccountView>(
                    $"api/accounts/{Uri.EscapeDataString(parse.GetRequiredValue(name))}/password", new SetPasswordRequest(password), cancellationToken).ConfigureAwait(false);
                return await WriteAsync(console, answer, parse.GetValue(json), $"Password of account '{answer.Value.Name}' reset.", cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Role(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The account." };
        var role = new Argument<string>("role") { Description = "operator, engineer or admin." };
        role.AcceptOnlyFromAmong("operator", "engineer", "admin");
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("role", "Change an account's role (admin).") { name, role, api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var answer = await client.PutAsync<SetRoleRequest, AccountView>(
                $"api/accounts/{Uri.EscapeDataString(parse.GetRequiredValue(name))}/role", new SetRoleRequest(parse.GetRequiredValue(role)), cancellationToken).ConfigureAwait(false);
            return await WriteAsync(console, answer, parse.GetValue(json), $"Account '{answer.Value.Name}' now has role {answer.Value.Role}.", cancellationToken).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static Command Token(CliConsole console)
    {
        var name = new Option<string>("--name") { Description = "The account to issue it for (default: your own; another account's needs admin)." };
        var tokenName = new Option<string>("--token-name") { Description = "What the token is for, e.g. nightly-export (default: token)." };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("token", "Issue an API token and print it; it is shown this once. 'token list' and 'token revoke' manage the tokens issued.")
        {
            name, tokenName, api, json, TokenList(console), TokenRevoke(console),
        };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var account = parse.GetValue(name) ?? await OwnNameAsync(client, cancellationToken).ConfigureAwait(false);
            var answer = await client.PostAsync<IssueTokenRequest, TokenView>(
                $"api/accounts/{Uri.EscapeDataString(account)}/tokens", new IssueTokenRequest(parse.GetValue(tokenName)), cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            // Only the token on standard output, so a script can take it: TOKEN=$(operator-cli account token …).
            await console.Output.WriteLineAsync(answer.Value.Token.AsMemory(), cancellationToken).ConfigureAwait(false);
            await console.Error.WriteLineAsync($"Token {answer.Value.Id} ({answer.Value.Name}) issued for '{account}'; it is not shown again.".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command TokenList(CliConsole console)
    {
        var name = new Argument<string?>("name") { Description = "The account (default: your own; another account's needs admin).", Arity = ArgumentArity.ZeroOrOne };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("list", "List an account's tokens: id, name, when issued and by whom, last use, revoked.") { name, api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var account = parse.GetValue(name) ?? await OwnNameAsync(client, cancellationToken).ConfigureAwait(false);
            var answer = await client.GetAsync<List<TokenView>>(TokensPath(account), cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var table = TextTable.Create("Id", "Name", "Created", "By", "Last used", "Revoked");
            foreach (var token in answer.Value)
            {
                table.Row(token.Id, token.Name, TextTable.Time(token.CreatedAt), token.CreatedBy, TextTable.Time(token.LastUsedAt), TextTable.Time(token.RevokedAt));
            }

            console.Ansi.Write(table);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command TokenRevoke(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The account the token belongs to (another account's needs admin)." };
        var token = new Argument<string>("token") { Description = "The token's id (from 'account token list'), or its name when only one working token has it." };
        var api = ApiCommand.ApiOption(console);
        var json = ApiCommand.JsonOption();
        var command = new Command("revoke", "Revoke a token: requests signed with it are refused from now on.") { name, token, api, json };
        command.SetAction((parse, cancellationToken) => ApiCommand.RunAsync(console, ApiCommand.Target(console, parse, api), async client =>
        {
            var account = parse.GetRequiredValue(name);
            var wanted = parse.GetRequiredValue(token);
            var tokens = (await client.GetAsync<List<TokenView>>(TokensPath(account), cancellationToken).ConfigureAwait(false)).Value;

            // An id names one token; a name may have been given to several, of which only working ones are meant.
            var matches = tokens.Where(t => t.Id == wanted).ToList() is { Count: > 0 } byId
                ? byId
                : [.. tokens.Where(t => t.Name == wanted && t.RevokedAt is null)];
            if (matches.Count != 1)
            {
                var problem = matches.Count == 0
                    ? $"Account '{account}' has no token with the id or working token named '{wanted}'; its tokens: {Describe(tokens)}."
                    : $"Account '{account}' has {matches.Count} working tokens named '{wanted}': give the id of the one to revoke ({string.Join(", ", matches.Select(t => t.Id))}).";
                await console.Error.WriteLineAsync(problem.AsMemory(), cancellationToken).ConfigureAwait(false);
                return matches.Count == 0 ? ExitCodes.NotFound : ExitCodes.BadArguments;
            }

            var answer = await client.DeleteAsync<TokenView>($"{TokensPath(account)}/{Uri.EscapeDataString(matches[0].Id)}", cancellationToken).ConfigureAwait(false);
            return await WriteAsync(console, answer, parse.GetValue(json), $"Token {answer.Value.Id} ({answer.Value.Name}) of '{account}' revoked.", cancellationToken).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static string TokensPath(string account) => $"api/accounts/{Uri.EscapeDataString(account)}/tokens";

    private static string Describe(List<TokenView> tokens) =>
        tokens.Count == 0 ? "none" : string.Join(", ", tokens.Select(t => $"{t.Id} ({t.Name}{(t.RevokedAt is null ? string.Empty : ", revoked")})"));

    private static async Task<string> OwnNameAsync(CloudApiClient client, CancellationToken cancellationToken) =>
        (await client.GetAsync<SessionView>("api/session", cancellationToken).ConfigureAwait(false)).Value.Name;

    private static Option<string> RoleOption()
    {
        var role = new Option<string>("--role") { Description = "operator, engineer or admin.", Required = true };
        role.AcceptOnlyFromAmong("operator", "engineer", "admin");
        return role;
    }

    private static async Task<string?> PasswordAsync(CliConsole console, FileInfo? file, bool stdin, CancellationToken cancellationToken)
    {
        if ((file is null) == !stdin)
        {
            await console.Error.WriteLineAsync("Give the password with exactly one of --password-file FILE or --password-stdin (never on the command line, where ps shows it).".AsMemory(), cancellationToken).ConfigureAwait(false);
            return null;
        }

        try
        {
            var text = file is null ? await console.Input.ReadLineAsync(cancellationToken).ConfigureAwait(false) : File.ReadLines(file.FullName).FirstOrDefault();
            if (string.IsNullOrEmpty(text))
            {
                await console.Error.WriteLineAsync($"{(file is null ? "Standard input" : file.FullName)} holds no password on its first line.".AsMemory(), cancellationToken).ConfigureAwait(false);
                return null;
            }

            return text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await console.Error.WriteLineAsync($"The password file {file?.FullName} could not be read: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    private static async Task<int> WriteAsync<T>(CliConsole console, ApiAnswer<T> answer, bool json, string text, CancellationToken cancellationToken)
    {
        if (json)
        {
            await ApiCommand.WriteJsonAsync(console, answer.Json, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await console.Output.WriteLineAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }
}
