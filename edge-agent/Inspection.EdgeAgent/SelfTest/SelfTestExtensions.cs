using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>Composition of the <c>self-test</c> verb, on top of the agent's own registrations (<see cref="EdgeAgentExtensions.AddEdgeAgent"/>).</summary>
public static class SelfTestExtensions
{
    /// <summary>
    /// Registers the checks in the order they run and report: the model first (provider, model, inference), then the
    /// camera, the disk, the network (broker, cloud) and the pinned keys.
    /// </summary>
    public static IHostApplicationBuilder AddSelfTest(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SelfTestOptions>()
            .Bind(builder.Configuration.GetSection(SelfTestOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SelfTestModel>();
        services.AddSingleton<ISelfTestCheck, ProviderCheck>();
        services.AddSingleton<ISelfTestCheck, ModelCheck>();
        services.AddSingleton<ISelfTestCheck, InferenceCheck>();
        services.AddSingleton<ISelfTestCheck, SourceCheck>();
        services.AddSingleton<ISelfTestCheck, StorageCheck>();
        services.AddSingleton<ISelfTestCheck, BrokerCheck>();
        services.AddSingleton<ISelfTestCheck, CloudCheck>();
        services.AddSingleton<ISelfTestCheck, KeysCheck>();
        services.AddSingleton<SelfTestRunner>();
        return builder;
    }
}
