using System.Net;
using System.Security.Cryptography.X509Certificates;
using Inspection.Contracts.Identity;
using Inspection.OperatorCli.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Inspection.OperatorCli.Tests.Identity;

/// <summary><c>identity ca|device|server</c>: the files they write load, chain to the CA and name what they should.</summary>
public sealed class CertificateCommandsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _temp = new();
    private readonly TestCli _cli = new(new FakeTimeProvider(Now));

    [Fact]
    public async Task Ca_NewFolder_WritesASelfSignedCaWithAnOwnerOnlyKey()
    {
        var folder = Path.Combine(_temp.Path, "ca");

        var exit = await _cli.RunAsync("identity", "ca", "--out", folder, "--name", "Plant 7 CA");

        Assert.Equal(ExitCodes.Ok, exit);
        using var ca = X509Certificate2.CreateFromPemFile(Path.Combine(folder, "ca.crt"), Path.Combine(folder, "ca.key"));
        Assert.Equal("CN=Plant 7 CA", ca.Subject);
        Assert.Equal(ca.Subject, ca.Issuer);
        var constraints = Assert.Single(ca.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints.CertificateAuthority);
        Assert.Equal("1.2.840.10045.2.1", ca.PublicKey.Oid.Value);
        Assert.Equal(Now.AddDays(7300), new DateTimeOffset(ca.NotAfter.ToUniversalTime()));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(Path.Combine(folder, "ca.key")));
        Assert.Contains("ca.key (owner read/write only)", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Device_FromTheCa_CertificateChainsAndNamesTheDeviceInCnAndSanUri()
    {
        var ca = await CreateCaAsync();
        var output = Path.Combine(_temp.Path, "cam-7");

        var exit = await _cli.RunAsync("identity", "device", "--ca", ca, "--device", "cam-7", "--out", output);

        Assert.Equal(ExitCodes.Ok, exit);
        using var device = X509Certificate2.CreateFromPemFile(Path.Combine(output, "device.crt"), Path.Combine(output, "device.key"));
        using var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(output, "ca.crt")));
        Assert.Equal("CN=cam-7", device.Subject);
        Assert.Equal("cam-7", DeviceIdentity.FromCertificate(device));
        Assert.Contains("urn:inspection:device:cam-7", SubjectAlternativeNames(device), StringComparison.Ordinal);
        Assert.True(FleetTrust.Validate(device, trusted, FleetTrust.ClientAuthOid, Now, out var error), error);
        Assert.False(FleetTrust.Validate(device, trusted, FleetTrust.ServerAuthOid, Now, out _));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(Path.Combine(output, "device.key")));
        Assert.Contains("Device:      cam-7", _cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Device_CertificateOfAnotherCa_DoesNotChainToThisOne()
    {
        var ca = await CreateCaAsync();
        var other = await CreateCaAsync("other-ca");
        var output = Path.Combine(_temp.Path, "cam-8");
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync("identity", "device", "--ca", other, "--device", "cam-8", "--out", output));

        using var device = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(output, "device.crt")));
        using var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(ca, "ca.crt")));

        Assert.False(FleetTrust.Validate(device, trusted, FleetTrust.ClientAuthOid, Now, out _));
    }

    [Fact]
    public async Task Server_DnsAndIp_CertificateForServerAuthWithBothNames()
    {
        var ca = await CreateCaAsync();
        var output = Path.Combine(_temp.Path, "cloud");

        var exit = await _cli.RunAsync("identity", "server", "--ca", ca, "--dns", "cloud.plant.local", "--ip", "10.0.0.5", "--out", output);

        Assert.Equal(ExitCodes.Ok, exit);
        using var server = X509Certificate2.CreateFromPemFile(Path.Combine(output, "server.crt"), Path.Combine(output, "server.key"));
        using var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(output, "ca.crt")));
        var names = Assert.Single(server.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["cloud.plant.local"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Parse("10.0.0.5")], names.EnumerateIPAddresses());
        Assert.Null(DeviceIdentity.FromCertificate(server));
        Assert.True(FleetTrust.Validate(server, trusted, FleetTrust.ServerAuthOid, Now, out var error), error);
        Assert.Equal(Now.AddDays(825), new DateTimeOffset(server.NotAfter.ToUniversalTime()));
    }

    [Fact]
    public async Task Ca_FolderAlreadyHoldsACa_RefusesAndKeepsTheOldKey()
    {
        var ca = await CreateCaAsync();
        var before = await File.ReadAllTextAsync(Path.Combine(ca, "ca.key"), TestContext.Current.CancellationToken);

        var exit = await _cli.RunAsync("identity", "ca", "--out", ca);

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.Contains("already exists", _cli.Error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(ca, "ca.key"), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("identity", "device", "--device", "cam 1")]
    [InlineData("identity", "device", "--device", "cam-1", "--days", "0")]
    [InlineData("identity", "server")]
    [InlineData("identity", "server", "--ip", "not-an-ip")]
    public async Task Identity_BadArguments_ExitsTwoWithMessage(params string[] args)
    {
        var ca = await CreateCaAsync();

        var exit = await _cli.RunAsync([.. args, "--ca", ca, "--out", Path.Combine(_temp.Path, "out")]);

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.False(string.IsNullOrWhiteSpace(_cli.Error));
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "out")));
    }

    [Fact]
    public async Task Device_CaFolderWithoutKey_ExitsTwoNamingTheCaCommand()
    {
        var exit = await _cli.RunAsync("identity", "device", "--ca", _temp.Path, "--device", "cam-1", "--out", Path.Combine(_temp.Path, "out"));

        Assert.Equal(ExitCodes.BadArguments, exit);
        Assert.Contains("identity ca --out", _cli.Error, StringComparison.Ordinal);
    }

    private async Task<string> CreateCaAsync(string name = "ca")
    {
        var folder = Path.Combine(_temp.Path, name);
        Assert.Equal(ExitCodes.Ok, await _cli.RunAsync("identity", "ca", "--out", folder));
        return folder;
    }

    // The key files' permissions are what protects them on the device and the CA machine (both Linux).
    private static UnixFileMode ModeOf(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException("Unix file modes") : File.GetUnixFileMode(path);

    private static string SubjectAlternativeNames(X509Certificate2 certificate) =>
        Assert.Single(certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()).Format(false);

    public void Dispose()
    {
        _cli.Dispose();
        _temp.Dispose();
    }
}
