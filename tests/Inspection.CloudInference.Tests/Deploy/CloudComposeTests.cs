using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Inspection.CloudInference.Tests.Infrastructure;
using Inspection.Detection;
using YamlDotNet.RepresentationModel;

namespace Inspection.CloudInference.Tests.Deploy;

/// <summary>
/// deploy/cloud as a user gets it, checked without docker (none on the build machines): every environment key the
/// compose file gives the cloud is an option the service really binds (a misspelt key would be silently ignored at run
/// time), and every file the compose file and the Dockerfile name exists in the repository or is made by the run-once
/// work its README describes.
/// </summary>
public sealed partial class CloudComposeTests
{
    private static readonly string Folder = Path.Combine(RepoPaths.Root, "deploy", "cloud");

    private static readonly IReadOnlyList<(string Section, Type Type)> Sections =
    [
        .. typeof(CloudOptions).Assembly.GetTypes().Concat(typeof(DetectorOptions).Assembly.GetTypes())
            .Select(t => (Field: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static), Type: t))
            .Where(x => x.Field is { IsLiteral: true } && x.Type.Name.EndsWith("Options", StringComparison.Ordinal))
            .Select(x => ((string)x.Field!.GetRawConstantValue()!, x.Type)),
    ];

    [Fact]
    public void Compose_EveryCloudEnvironmentKey_IsAnOptionTheServiceBinds()
    {
        var services = CloudServices();
        Assert.True(services.Count >= 2, $"the compose file runs {services.Count} cloud replica(s); it is meant to run two");

        var problems = new List<string>();
        foreach (var (name, environment) in services)
        {
            foreach (var key in environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal)))
            {
                var configKey = key.Replace("__", ":", StringComparison.Ordinal);
                if (Problem(configKey) is { } problem)
                {
                    problems.Add($"{name}: {key}: {problem}");
                }
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void Problem_MisspeltOrIncompleteKey_Named()
    {
        Assert.Null(Problem("Cloud:Batching:MaxBatchSize"));
        Assert.Null(Problem("Cloud:Mqtt:Tls:CaFile"));
        Assert.Null(Problem("Detector:ExecutionProviders:0"));
        Assert.Null(Problem("Cloud:PostgreSqlConnectionString"));
        Assert.NotNull(Problem("Cloud:Mqtt:Prot"));
        Assert.NotNull(Problem("Cloud:Batching:MaxBatchSize:1"));
        Assert.NotNull(Problem("Cloud:Mqtt:Tls"));
        Assert.NotNull(Problem("Clouds:GrpcUrl"));
    }

    [Fact]
    public void Compose_Replicas_EachHasItsOwnMqttClientIdAndStoresInTheSharedDatabase()
    {
        var services = CloudServices();

        var clientIds = services.Select(s => s.Environment.GetValueOrDefault("Cloud__Mqtt__ClientId")).ToList();
        Assert.DoesNotContain(null, clientIds);
        Assert.Equal(clientIds.Count, clientIds.Distinct(StringComparer.Ordinal).Count());
        Assert.All(services, s => Assert.Equal("postgresql", s.Environment.GetValueOrDefault("Cloud__StorageProvider")));
        Assert.All(services, s => Assert.Equal("false", s.Environment.GetValueOrDefault("Cloud__Broker__Enabled")));

        // One control key for all: a device pins one public key, and refuses a desired state any other key signed.
        Assert.Single(services.Select(s => s.Environment.GetValueOrDefault("Cloud__Control__SigningKeyPath")).Distinct(StringComparer.Ordinal));
    }

    [Fact]
    public void ComposeAndDockerfile_EveryReferencedFile_ExistsOrIsMadeByTheRunOnceWork()
    {
        var readme = File.ReadAllText(Path.Combine(Folder, "README.md"));
        var missing = new List<string>();
        foreach (var (source, what) in ComposeFiles().Concat(DockerfileSources()))
        {
            if (source.StartsWith("identity/", StringComparison.Ordinal))
            {
                // Secrets and keys are never in the repository: the README's run-once work must say what makes them.
                if (!readme.Contains(source.TrimEnd('/'), StringComparison.Ordinal))
                {
                    missing.Add($"{what}: {source} is neither in the repository nor named in deploy/cloud/README.md's run-once work");
                }

                continue;
            }

            var path = Path.GetFullPath(Path.Combine(what.StartsWith("Dockerfile", StringComparison.Ordinal) ? RepoPaths.Root : Folder, source));
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                missing.Add($"{what}: {source} (looked for {path})");
            }
        }

        Assert.Empty(missing);
    }

    /// <summary>Why <paramref name="key"/> (with ':') binds to no option of the cloud; null when it does.</summary>
    private static string? Problem(string key)
    {
        var section = Sections
            .Where(s => key.StartsWith(s.Section + ":", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(s => s.Section.Length)
            .FirstOrDefault();
        if (section.Type is null)
        {
            return "no options class of the cloud has this section";
        }

        var type = section.Type;
        foreach (var segment in key[(section.Section.Length + 1)..].Split(':'))
        {
            if (Element(type) is { } element)
            {
                if (!int.TryParse(segment, out _))
                {
                    return $"'{segment}' is not an index into the list {type.Name}";
                }

                type = element;
                continue;
            }

            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || (property.SetMethod is null && Element(property.PropertyType) is null))
            {
                return $"{type.Name} has no settable property '{segment}'";
            }

            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }

        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            ? null
            : $"the key ends at {type.Name}, which has settings of its own";
    }

    private static Type? Element(Type type) =>
        type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type)
            ? null
            : type.IsArray ? type.GetElementType() : type.GetGenericArguments().FirstOrDefault();

    private static YamlMappingNode Compose()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Folder, "compose.yaml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    // The services built from deploy/cloud/Dockerfile, with their environment as compose resolves it (merge keys included).
    private static List<(string Name, Dictionary<string, string> Environment)> CloudServices() =>
    [
        .. ((YamlMappingNode)Compose()["services"]).Children
            .Where(s => Lookup((YamlMappingNode)s.Value, "build") is not null)
            .Select(s => (((YamlScalarNode)s.Key).Value!, Environment((YamlMappingNode)s.Value))),
    ];

    private static Dictionary<string, string> Environment(YamlMappingNode service)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Lookup(service, "environment") is YamlMappingNode node)
        {
            Flatten(node, environment);
        }

        return environment;
    }

    private static void Flatten(YamlMappingNode node, Dictionary<string, string> into)
    {
        if (node.Children.TryGetValue(new YamlScalarNode("<<"), out var merged) && merged is YamlMappingNode inherited)
        {
            Flatten(inherited, into);
        }

        foreach (var (key, value) in node.Children.Where(c => ((YamlScalarNode)c.Key).Value != "<<"))
        {
            into[((YamlScalarNode)key).Value!] = ((YamlScalarNode)value).Value ?? string.Empty;
        }
    }

    // A key of a service, also when it comes from a merged anchor (<<: *cloud).
    private static YamlNode? Lookup(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value)
            ? value
            : node.Children.TryGetValue(new YamlScalarNode("<<"), out var merged) && merged is YamlMappingNode inherited ? Lookup(inherited, key) : null;

    // Host paths of bind mounts (relative to deploy/cloud), the build context and the Dockerfile.
    private static IEnumerable<(string Path, string What)> ComposeFiles()
    {
        foreach (var (key, value) in ((YamlMappingNode)Compose()["services"]).Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            var service = (YamlMappingNode)value;
            if (Lookup(service, "build") is YamlMappingNode build)
            {
                var context = ((YamlScalarNode)build["context"]).Value!;
                yield return (context, $"compose {name} build context");
                yield return (System.IO.Path.Combine(context, ((YamlScalarNode)build["dockerfile"]).Value!), $"compose {name} dockerfile");
            }

            if (Lookup(service, "volumes") is YamlSequenceNode volumes)
            {
                foreach (var volume in volumes.Children.OfType<YamlScalarNode>().Select(v => v.Value!))
                {
                    var source = volume.Split(':')[0];
                    if (source.StartsWith("./", StringComparison.Ordinal) || source.StartsWith("../", StringComparison.Ordinal))
                    {
                        yield return (source.StartsWith("./", StringComparison.Ordinal) ? source[2..] : source, $"compose {name} volume");
                    }
                }
            }
        }
    }

    // Sources of COPY lines that copy from the build context (the repository root), not from a build stage.
    private static IEnumerable<(string Path, string What)> DockerfileSources() =>
        File.ReadAllLines(Path.Combine(Folder, "Dockerfile"))
            .Select(l => CopyLine().Match(l))
            .Where(m => m.Success)
            .SelectMany(m => m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .Select(source => (source, $"Dockerfile COPY {source}"));

    [GeneratedRegex(@"^COPY\s+(?!--from)(?<args>.+)$")]
    private static partial Regex CopyLine();
}
