using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inspection.CloudInference.Tests.Infrastructure;

namespace Inspection.CloudInference.Tests.Web;

public sealed class OperatorPageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Root_Running_ServesThePageThatPollsTheApi()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        using var response = await cloud.Http.GetAsync("/", TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("/api/fleet", html);
        Assert.Contains("/api/escalations", html);
        Assert.Contains("desired-mode", html);
        Assert.Contains("setInterval(refresh, 2000)", html);
    }

    [Fact]
    public async Task Healthz_Running_NamesTheLoadedModel()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);

        // The fleet view connects to the embedded broker just after the start.
        var health = await Eventually.WaitAsync(
            "a healthy /healthz",
            async c => await cloud.Http.GetAsync("/healthz", c),
            r => r.IsSuccessStatusCode,
            Eventually.DefaultTimeout,
            TestContext.Current.CancellationToken);
        var body = await health.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal(0, body.GetProperty("problems").GetArrayLength());
        Assert.Equal("brightness-test", body.GetProperty("model").GetString());
        Assert.Equal("CPU", body.GetProperty("executionProvider").GetString());
    }

    [Fact]
    public async Task Healthz_NoBroker_AnswersUnavailableSayingWhy()
    {
        // The embedded broker off and the fleet view pointed at a port nobody listens on.
        using var refused = LoopbackPort.Refused();
        await using var cloud = await TestCloud.StartAsync(_directory.Path, ["--Cloud:Broker:Enabled=false", $"--Cloud:Mqtt:Port={refused.Port}"]);

        var response = await cloud.Http.GetAsync("/healthz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("degraded", body.GetProperty("status").GetString());
        Assert.Equal(["not connected to the MQTT broker: no fleet view and no commands to devices"], body.GetProperty("problems").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task HttpPort_GrpcRequest_IsNotServedThere()
    {
        await using var cloud = await TestCloud.StartAsync(_directory.Path);
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(cloud.ApiUri);
        var client = new Contracts.V1.Escalation.EscalationClient(channel);

        // The page port speaks HTTP/1.1 only; gRPC belongs on its own HTTP/2 port.
        using var call = client.Escalate(cancellationToken: TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await call.RequestStream.WriteAsync(TestFrames.Request("cam-1", 1), TestContext.Current.CancellationToken);
            await call.ResponseStream.MoveNext(TestContext.Current.CancellationToken);
        });
        Assert.True(error is Grpc.Core.RpcException or HttpRequestException or IOException, error.ToString());
    }
}
