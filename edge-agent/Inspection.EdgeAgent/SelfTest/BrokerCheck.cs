using Inspection.EdgeAgent.Control;
using Inspection.Mqtt;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>
/// The broker takes an MQTT connection with the configured address, credentials and TLS. The probe connects as
/// <c>{client id}-self-test</c> with a clean session, so the running agent's own session is neither taken over nor
/// left with anything queued.
/// </summary>
public sealed class BrokerCheck(IOptions<MqttOptions> options, IOptions<EdgeOptions> edge, IOptions<SelfTestOptions> selfTest) : ISelfTestCheck
{
    public string Name => "broker";

    public async Task<SelfTestResult> RunAsync(CancellationToken cancellationToken)
    {
        var mqtt = options.Value;
        var where = $"{mqtt.Host}:{mqtt.Port}";
        var timeout = TimeSpan.FromSeconds(selfTest.Value.TimeoutSeconds);
        MqttClientOptions clientOptions;
        try
        {
            clientOptions = MqttClientOptionsFactory.Create(new MqttSessionSettings
            {
                Host = mqtt.Host,
                Port = mqtt.Port,
                ClientId = (string.IsNullOrWhiteSpace(mqtt.ClientId) ? edge.Value.DeviceId : mqtt.ClientId) + "-self-test",
                Username = mqtt.Username,
                Password = MqttCredentials.ResolvePassword(mqtt.Password, mqtt.PasswordFile, MqttOptions.SectionName),
                Tls = mqtt.Tls,
                SessionExpirySeconds = 0,
                ReconnectDelay = timeout,
                ConnectTimeout = timeout,
            });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            return SelfTestResult.Fail($"the broker settings cannot be used: {ex.Message}");
        }

        clientOptions.CleanSession = true;
        using var client = new MqttClientFactory().CreateMqttClient();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var result = await client.ConnectAsync(clientOptions, deadline.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return SelfTestResult.Fail($"the broker {where} refused the connection: {result.ResultCode} {result.ReasonString}".TrimEnd());
            }

            await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false);
            var who = string.IsNullOrEmpty(mqtt.Username) ? "without credentials" : $"as {mqtt.Username}";
            return SelfTestResult.Pass($"connected to {where} {who}{(mqtt.Tls.Enabled ? " over TLS" : string.Empty)}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return SelfTestResult.Fail($"the broker {where} (Mqtt:Host, Mqtt:Port) did not answer within {timeout.TotalSeconds:F0} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return SelfTestResult.Fail($"cannot connect to the broker {where} (Mqtt:Host, Mqtt:Port): {Reason(ex)}");
        }
    }

    // MQTTnet wraps the socket error ("Connection refused") one or two levels down.
    private static string Reason(Exception ex)
    {
        var reason = ex.Message;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            reason = inner.Message;
        }

        return ex.InnerException is null ? reason : $"{ex.Message} ({reason})";
    }
}
