using Inspection.CloudInference.Accounts;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.OperatorCli.Tests.Infrastructure;

namespace Inspection.OperatorCli.Tests.Accounts;

/// <summary>The CLI's token and the <c>account</c> verbs against the real cloud.</summary>
public sealed class AccountCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestCli _cli = new();

    public void Dispose()
    {
        _cli.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Fleet_NoToken_NotAuthorizedExitCodeSayingHowToSignIn()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        var exit = await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString());

        Assert.Equal(ExitCodes.NotAuthorized, exit);
        Assert.Contains("Not signed in", _cli.Error);
        Assert.Contains("--token, --token-file or $INSPECTION_TOKEN", _cli.Error);
    }

    [Fact]
    public async Task SetMode_OperatorTokenFromTheEnvironment_NotAllowed()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        _cli.Environment["INSPECTION_TOKEN"] = cloud.TokenFor("op", AccountRoles.Operator);

        var fleet = await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString());
        var exit = await _cli.RunAsync("set-mode", "--device", "cam-1", "--mode", "local-only", "--api", cloud.ApiUri.ToString());

        Assert.Equal(ExitCodes.Ok, fleet);
        Assert.Equal(ExitCodes.NotAuthorized, exit);
        Assert.Contains("Not allowed: HTTP 403: account 'op' (operator) may not do this", _cli.Error);
    }

    [Fact]
    public async Task Account_AddRoleListTokenDisable_EachDoneByTheAdmin()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var tokenFile = Path.Combine(_directory.Path, "token");
        await File.WriteAllTextAsync(tokenFile, cloud.Token + "\n", TestContext.Current.CancellationToken);
        var passwordFile = Path.Combine(_directory.Path, "password");
        await File.WriteAllTextAsync(passwordFile, "ana-password-1\n", TestContext.Current.CancellationToken);
        string[] admin = ["--api", cloud.ApiUri.ToString(), "--token-file", tokenFile];

        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "add", "ana", "--role", "operator", "--password-file", passwordFile, .. admin]));
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "role", "ana", "engineer", .. admin]));
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "list", .. admin]));
        Assert.Equal("engineer", _cli.Row("ana")[1]);
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "token", "--name", "ana", "--token-name", "laptop", .. admin]));
        var anaToken = _cli.Output.Split('\n', StringSplitOptions.TrimEntries).Last(line => line.StartsWith(AccountStore.TokenPrefix, StringComparison.Ordinal));
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", anaToken));
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync(["account", "disable", "ana", .. admin]));

        Assert.Equal(ExitCodes.NotAuthorized, await _cli.RunAsync("fleet", "--api", cloud.ApiUri.ToString(), "--token", anaToken));
        Assert.NotNull(cloud.Accounts.Find("ana")!.DisabledAt);
    }

    [Fact]
    public async Task Account_AddExistingName_RefusedWithTheReason()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        var passwordFile = Path.Combine(_directory.Path, "password");
        await File.WriteAllTextAsync(passwordFile, "some-password-1", TestContext.Current.CancellationToken);

        var exit = await _cli.RunAsync("account", "add", TestCloud.AdminName, "--role", "operator", "--password-file", passwordFile, "--api", cloud.ApiUri.ToString(), "--token", cloud.Token);

        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("exists already", _cli.Error);
    }

    [Fact]
    public async Task TokenFile_Missing_BadArgumentsNamingTheFile()
    {
        var missing = Path.Combine(_directory.Path, "no-such-token");

        var exit = await _cli.RunAsync("fleet", "--api", "http://127.0.0.1:1", "--token-file", missing);

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.Contains($"--token-file {missing} could not be read", _cli.Error);
    }
}
