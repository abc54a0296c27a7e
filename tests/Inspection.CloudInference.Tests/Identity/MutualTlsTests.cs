using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Inspection.CloudInference.Escalations;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Contracts.Api;
using Inspection.Contracts.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Inspection.CloudInference.Tests.Identity;

public sealed class MutualTlsTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestFleetIdentity _fleet;

    public MutualTlsTests()
    {
        _fleet = TestFleetIdentity.Create(_directory.Folder("fleet"));
    }

    [Fact]
    public async Task Escalate_FrameOfTheCertifiedDevice_IsStored()
    {
        await using var cloud = await StartAsync();
        using var device = _fleet.Device("cam-1");

        var replies = await EscalateAsync(cloud, _fleet.Handler(device), TestFrames.Request("cam-1", 7));

        var reply = Assert.Single(replies);
        Assert.Empty(reply.Error);
        Assert.Equal(Verdict.Uncertain, reply.Verdict);
        var stored = Assert.Single((await cloud.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations", TestContext.Current.CancellationToken))!);
        Assert.Equal("cam-1/7", stored.Key);
    }

    [Fact]
    public async Task Escalate_FrameNamingAnotherDevice_RefusedInItsReplyAndNothingStored()
    {
        await using var cloud = await StartAsync();
        using var device = _fleet.Device("cam-1");

        // One stream: the impersonating frame is refused on its own, the device's own frame after it still goes through.
        var replies = await EscalateAsync(cloud, _fleet.Handler(device), TestFrames.Request("cam-2", 1), TestFrames.Request("cam-1", 2));

        var refused = replies.Single(r => r.Key.DeviceId == "cam-2");
        Assert.StartsWith("permission denied", refused.Error, StringComparison.Ordinal);
        Assert.Contains("'cam-1'", refused.Error, StringComparison.Ordinal);
        Assert.Equal(Verdict.Unspecified, refused.Verdict);
        Assert.Empty(replies.Single(r => r.Key.DeviceId == "cam-1").Error);
        var stored = await cloud.Http.GetFromJsonAsync<List<EscalationListItem>>("api/escalations", TestContext.Current.CancellationToken);
        Assert.Equal(["cam-1/2"], stored!.Select(s => s.Key));
        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", TestContext.Current.CancellationToken);
        Assert.Equal((1L, 0L), (summary!.EscalationsStored, summary.Rejected));
        Assert.Equal(1, cloud.Detector!.Calls);
    }

    [Fact]
    public async Task Escalate_ClientWithoutCertificate_RefusedBeforeTheService()
    {
        await using var cloud = await StartAsync();

        await AssertRefusedAsync(EscalateAsync(cloud, _fleet.Handler(null), TestFrames.Request("cam-1", 1)));

        await AssertNothingStoredAsync(cloud);
    }

    [Fact]
    public async Task Escalate_CertificateOfAnotherCa_RefusedBeforeTheService()
    {
        await using var cloud = await StartAsync();
        using var other = TestFleetIdentity.Create(_directory.Folder("other"), "Another CA");
        using var foreign = other.Device("cam-1");

        await AssertRefusedAsync(EscalateAsync(cloud, _fleet.Handler(foreign), TestFrames.Request("cam-1", 1)));

        await AssertNothingStoredAsync(cloud);
    }

    [Fact]
    public async Task Escalate_ServerCertificateAsClientCertificate_Refused()
    {
        await using var cloud = await StartAsync();

        // Signed by the fleet CA, but for server auth and naming no device.
        using var server = X509Certificate2.CreateFromPemFile(_fleet.ServerCertificatePath, _fleet.ServerKeyPath);

        await AssertRefusedAsync(EscalateAsync(cloud, _fleet.Handler(server), TestFrames.Request("cam-1", 1)));
        await AssertNothingStoredAsync(cloud);
    }

    [Fact]
    public async Task TlsEndpoint_OperatorApiWithDeviceCertificate_NotServed()
    {
        await using var cloud = await StartAsync();
        using var device = _fleet.Device("cam-1");
        using var http = new HttpClient(_fleet.Handler(device)) { BaseAddress = TlsUri(cloud) };
        var cancellationToken = TestContext.Current.CancellationToken;

        using var command = await http.PutAsJsonAsync("api/devices/cam-2/desired-mode", new SetModeRequest("local-only"), cancellationToken);
        using var fleet = await http.GetAsync("api/fleet", cancellationToken);
        using var models = await http.GetAsync("api/models", cancellationToken);

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (command.StatusCode, fleet.StatusCode));

        // The registry's list is an operator's read (an account); a device reaches only the package files it is sent to.
        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
    }

    [Fact]
    public async Task Start_TlsUrlWithoutCertificatePaths_FailsNamingTheKey()
    {
        var args = TestCloud.Arguments(_directory.Path, 0, 0, 0, "model.onnx");
        args.Add("--Cloud:Tls:Url=https://127.0.0.1:0");
        using var error = new StringWriter();

        var exit = await CloudInferenceApp.RunAsync([.. args], error, TestContext.Current.CancellationToken);

        Assert.Equal(1, exit);
        Assert.Contains("Cloud:Tls:CertificatePath is required", error.ToString(), StringComparison.Ordinal);
    }

    private Task<TestCloud> StartAsync() => TestCloud.StartAsync(_directory.Path, _fleet.CloudArguments());

    private static Uri TlsUri(TestCloud cloud) =>
        new($"https://127.0.0.1:{cloud.App.Services.GetRequiredService<CloudEndpoints>().Tls.Port}/");

    private static async Task<List<EscalationReply>> EscalateAsync(TestCloud cloud, HttpMessageHandler handler, params EscalationRequest[] requests)
    {
        using var channel = GrpcChannel.ForAddress(TlsUri(cloud), new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        var cancellationToken = TestContext.Current.CancellationToken;
        using var call = new Escalation.EscalationClient(channel).Escalate(cancellationToken: cancellationToken);
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request, cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        var replies = new List<EscalationReply>();
        while (await call.ResponseStream.MoveNext(cancellationToken))
        {
            replies.Add(call.ResponseStream.Current);
        }

        return replies;
    }

    // With TLS 1.3 the server judges the client certificate after the client considers the handshake done, so the
    // refusal surfaces as a failed call or a dropped HTTP/2 connection, depending on where the client was.
    private static async Task AssertRefusedAsync(Task<List<EscalationReply>> call)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => call);
        Assert.True(error is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.Internal } or HttpRequestException or IOException, error.ToString());
    }

    private static async Task AssertNothingStoredAsync(TestCloud cloud)
    {
        var summary = await cloud.Http.GetFromJsonAsync<EscalationSummary>("api/summary", TestContext.Current.CancellationToken);
        Assert.Equal((0L, 0L), (summary!.EscalationsStored, summary.Rejected));
        Assert.Equal(0, cloud.Detector!.Calls);
    }

    public void Dispose()
    {
        _fleet.Dispose();
        _directory.Dispose();
    }
}
