using Inspection.Mqtt;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Inspection.CloudInference.Broker;

/// <summary>
/// The embedded broker's identity rules, read from the same password and ACL files mosquitto would use: who may
/// connect, publish and subscribe. A refused publish is dropped (PUBACK "not authorized"); a refused subscription
/// gets SUBACK "not authorized".
/// </summary>
public sealed partial class BrokerAccessControl
{
    private readonly MosquittoPasswordFile? _passwords;
    private readonly MosquittoAcl? _acl;
    private readonly ILogger _logger;

    public BrokerAccessControl(MosquittoPasswordFile? passwords, MosquittoAcl? acl, ILogger logger)
    {
        _passwords = passwords;
        _acl = acl;
        _logger = logger;
    }

    /// <summary>Attaches the checks to <paramref name="server"/>; before it starts, so no client slips in first.</summary>
    public void Attach(MqttServer server)
    {
        if (_passwords is not null)
        {
            server.ValidatingConnectionAsync += ValidateConnectionAsync;
        }

        if (_acl is not null)
        {
            server.InterceptingPublishAsync += InterceptPublishAsync;
            server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        }
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs args)
    {
        if (!_passwords!.Verify(args.UserName, args.Password))
        {
            args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            Log.ConnectRefused(_logger, args.ClientId, args.UserName ?? "(none)", args.RemoteEndPoint?.ToString() ?? "?");
        }

        return Task.CompletedTask;
    }

    private Task InterceptPublishAsync(InterceptingPublishEventArgs args)
    {
        var topic = args.ApplicationMessage.Topic;
        if (!_acl!.CanPublish(args.UserName, args.ClientId, topic))
        {
            args.ProcessPublish = false;
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            Log.PublishRefused(_logger, args.ClientId, args.UserName ?? "(none)", topic);
        }

        return Task.CompletedTask;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        var filter = args.TopicFilter.Topic;
        if (!_acl!.CanSubscribe(args.UserName, args.ClientId, filter))
        {
            args.ProcessSubscription = false;
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            Log.SubscriptionRefused(_logger, args.ClientId, args.UserName ?? "(none)", filter);
        }

        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "Embedded MQTT broker refused client {ClientId} (user {User}) from {Remote}: unknown user or wrong password")]
        public static partial void ConnectRefused(ILogger logger, string clientId, string user, string remote);

        [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Embedded MQTT broker dropped a message from {ClientId} (user {User}) on {Topic}: the ACL does not let this user write there")]
        public static partial void PublishRefused(ILogger logger, string clientId, string user, string topic);

        [LoggerMessage(EventId = 3112, Level = LogLevel.Warning, Message = "Embedded MQTT broker refused {ClientId} (user {User}) the subscription {Filter}: the ACL does not let this user read there")]
        public static partial void SubscriptionRefused(ILogger logger, string clientId, string user, string filter);
    }
}
