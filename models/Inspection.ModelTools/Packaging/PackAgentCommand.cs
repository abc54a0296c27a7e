using System.CommandLine;
using Inspection.Detection.Packaging;

namespace Inspection.ModelTools.Packaging;

/// <summary>
/// <c>pack-agent</c>: a signed edge agent bundle from a published agent (the folder <c>dotnet publish -r linux-arm64</c>
/// or deploy/jetson/publish.sh wrote), signed with the same publisher key as model packages.
/// </summary>
public static class PackAgentCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("publish-folder") { Description = "The published agent: every file in it goes into the release." };
        var version = new Option<string>("--version") { Description = "Semantic version of the release (e.g. 1.4.0): above the version the devices run (they refuse others).", Required = true };
        var key = new Option<FileInfo>("--key") { Description = "The publisher's NAME.private.pem (from 'keygen'), the key that signs model packages.", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "The bundle to write (default: agent-VERSION.zip in the current folder)." };
        var entry = new Option<string>("--entry") { Description = "The executable the service starts, relative to the folder.", DefaultValueFactory = _ => "Inspection.EdgeAgent" };
        version.Validators.Add(result =>
        {
            if (!AgentManifestJson.IsVersion(result.GetValueOrDefault<string>()))
            {
                result.AddError("--version must be a semantic version, e.g. 1.4.0.");
            }
        });

        var command = new Command("pack-agent", "Pack and sign a published edge agent as a bundle devices install beside their running release.")
        {
            folder, version, key, output, entry,
        };
        command.SetAction(parse =>
        {
            var versionText = parse.GetValue(version)!;
            var target = parse.GetValue(output)?.FullName ?? Path.GetFullPath($"agent-{versionText}.zip");
            var partial = target + ".partial";
            try
            {
                // The agent reports its assembly's version, and a device compares the next bundle with it: the bundle
                // must carry the version the agent inside it was built with.
                if (PublishedVersion(parse.GetValue(folder)!.FullName) is { } built && built != versionText)
                {
                    parse.InvocationConfiguration.Error.WriteLine(
                        $"pack-agent: the agent in the folder was built as version {built}, not {versionText}: publish it with -p:Version={versionText} (deploy/jetson/publish.sh --version {versionText}).");
                    return 2;
                }

                using var signer = PublisherKey.ReadPrivate(parse.GetValue(key)!.FullName);
                AgentManifest manifest;
                using (var stream = File.Create(partial))
                {
                    manifest = AgentBundleBuilder.Pack(parse.GetValue(folder)!.FullName, versionText, parse.GetValue(entry)!, signer, stream, TimeProvider.System);
                }

                File.Move(partial, target, overwrite: true);
                var size = new FileInfo(target).Length;
                parse.InvocationConfiguration.Output.WriteLine(
                    $"Packed edge agent {manifest.Version} ({manifest.Files.Count} files, {manifest.TotalSize()} bytes), signed by key {manifest.KeyId}: {target}");
                parse.InvocationConfiguration.Output.WriteLine(
                    $"agent target for the desired state: version {manifest.Version}, size {size}, sha256 {ModelPackage.Sha256OfFile(target)}");
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                File.Delete(partial);
                parse.InvocationConfiguration.Error.WriteLine($"pack-agent: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>The version the published agent was built with (its deps.json names it), or null when the folder has none.</summary>
    private static string? PublishedVersion(string folder)
    {
        var deps = Path.Combine(folder, "Inspection.EdgeAgent.deps.json");
        if (!File.Exists(deps))
        {
            return null;
        }

        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(deps));
        return document.RootElement.TryGetProperty("libraries", out var libraries)
            ? libraries.EnumerateObject().Select(l => l.Name).FirstOrDefault(n => n.StartsWith("Inspection.EdgeAgent/", StringComparison.Ordinal))?["Inspection.EdgeAgent/".Length..]
            : null;
    }
}
