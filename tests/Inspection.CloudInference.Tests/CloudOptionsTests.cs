using Inspection.CloudInference.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Inspection.CloudInference.Tests;

public sealed class CloudOptionsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("--Cloud:Decision:Lower=0.8", "--Cloud:Decision:Upper=0.5", "Cloud:Decision")]
    [InlineData("--Cloud:Mqtt:Port=0", "--Cloud:Mqtt:ReconnectSeconds=1", "Cloud:Mqtt:Port")]
    [InlineData("--Cloud:Broker:BindAddress=plant-net", "--Cloud:Broker:Enabled=true", "Cloud:Broker:BindAddress")]
    [InlineData("--Cloud:GrpcUrl=http://127.0.0.1:5999", "--Cloud:HttpUrl=http://127.0.0.1:5999", "own HTTP/2-only port")]
    [InlineData("--Cloud:GrpcUrl=https://127.0.0.1:5100", "--Cloud:Mqtt:ReconnectSeconds=1", "Cloud:GrpcUrl 'https://127.0.0.1:5100' is not usable")]
    [InlineData("--Cloud:HttpUrl=http://plant-server:5180", "--Cloud:Mqtt:ReconnectSeconds=1", "'plant-server' is not an IP address")]
    [InlineData("--Cloud:Review:LeaseSeconds=5", "--Cloud:Mqtt:ReconnectSeconds=1", "Cloud:Review:LeaseSeconds must be between 10 and 86400")]
    [InlineData("--Cloud:Accounts:SignInFailuresPerWindow=0", "--Cloud:Mqtt:ReconnectSeconds=1", "Cloud:Accounts:SignInFailuresPerWindow must be between 1 and 1000")]
    [InlineData("--Cloud:Accounts:SignInWindowSeconds=0", "--Cloud:Mqtt:ReconnectSeconds=1", "Cloud:Accounts:SignInWindowSeconds must be between 1 and 86400")]
    [InlineData("--Cloud:Review:ReasonTags:0=glare", "--Cloud:Review:ReasonTags:1=glare", "Cloud:Review:ReasonTags lists a tag twice")]
    [InlineData("--Cloud:Review:ReasonTags:0=glare", "--Cloud:Review:ReasonTags:1= ", "Cloud:Review:ReasonTags: ' ' is not a usable tag")]
    public async Task Start_InvalidSetting_FailsNamingTheKey(string first, string second, string expected)
    {
        var args = TestCloud.Arguments(_directory.Path, 0, 0, LoopbackPort.Candidate(), TinyOnnxModel.Write(_directory.Path));
        args.AddRange([first, second]);

        // Some settings are read while the host is built (Kestrel's endpoints), the rest when it starts.
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var app = CloudInferenceApp.Build([.. args]);
            await app.StartAsync(TestContext.Current.CancellationToken);
        });

        Assert.Contains(expected, error is OptionsValidationException validation ? string.Join("; ", validation.Failures) : error.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5100", true)]
    [InlineData("http://0.0.0.0:5100", true)]
    [InlineData("http://*:5100", true)]
    [InlineData("https://127.0.0.1:5100", false)]
    [InlineData("http://plant-server:5100", false)]
    [InlineData("127.0.0.1:5100", false)]
    [InlineData("http://127.0.0.1", false)]
    public void TryParse_ListenUrl_AcceptsOnlyCleartextAddressAndPort(string url, bool valid)
    {
        Assert.Equal(valid, ListenUrl.TryParse(url, out _, out var error));
        Assert.Equal(valid, error.Length == 0);
    }
}
