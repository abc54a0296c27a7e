using MQTTnet;

namespace Inspection.Mqtt;

/// <summary>How an <see cref="MqttSession"/> connects: broker, identity, session lifetime, what it listens to.</summary>
public sealed record MqttSessionSettings
{
    /// <summary>Broker host name or address.</summary>
    public required string Host { get; init; }

    /// <summary>Broker TCP port.</summary>
    public required int Port { get; init; }

    /// <summary>Client id; the broker keeps the persistent session under it.</summary>
    public required string ClientId { get; init; }

    /// <summary>User name on the broker; none connects anonymously.</summary>
    public string? Username { get; init; }

    /// <summary>Password of <see cref="Username"/>.</summary>
    public string? Password { get; init; }

    /// <summary>TLS towards the broker.</summary>
    public MqttTlsOptions Tls { get; init; } = new();

    /// <summary>Keep-alive period the broker watches (and fires the last will after 1.5 of).</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the broker keeps the session (subscriptions, queued QoS 1 messages) while this client is away.</summary>
    public required uint SessionExpirySeconds { get; init; }

    /// <summary>How often the connection is checked with a ping and, when lost, re-established.</summary>
    public required TimeSpan ReconnectDelay { get; init; }

    /// <summary>How long one connect attempt may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>On stop, at most this long is spent on the farewell message and the disconnect.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Topic filters subscribed (QoS 1) on every connect.</summary>
    public IReadOnlyList<string> Subscriptions { get; init; } = [];

    /// <summary>Builds the last will for each connect (its payload may carry the time); none when null.</summary>
    public Func<MqttApplicationMessage>? LastWill { get; init; }
}
