using System.Security.Cryptography;
using System.Text.Json;
using Inspection.Detection.Packaging;

namespace Inspection.EdgeAgent.Tests.AgentUpdate;

/// <summary>
/// Published folders of the stand-in agent (tests/Inspection.FakeAgent): its build output, an executable
/// <c>Inspection.EdgeAgent</c> that starts it (the name the unit's <c>ExecStart=</c> runs), and a behaviour.json that
/// says which release it is and how it misbehaves.
/// </summary>
internal static class FakeAgentRelease
{
    public const string Entry = "Inspection.EdgeAgent";

    private static string BuildOutput
    {
        get
        {
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            var folder = RepositoryRoot.Combine("tests", "Inspection.FakeAgent", "bin", configuration, "net10.0");
            return File.Exists(Path.Combine(folder, "Inspection.FakeAgent.dll"))
                ? folder
                : throw new FileNotFoundException($"The stand-in agent's build output {folder} is missing; build this test project first.");
        }
    }

    /// <summary>Writes a publish folder of release <paramref name="version"/> behaving as <paramref name="behaviour"/>.</summary>
    public static string Publish(string folder, string version, string behaviour, double stopAfterSeconds = 3)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Agent releases are installed on Linux.");
        }

        Directory.CreateDirectory(folder);
        foreach (var file in (string[])["Inspection.FakeAgent.dll", "Inspection.FakeAgent.runtimeconfig.json", "Inspection.FakeAgent.deps.json"])
        {
            File.Copy(Path.Combine(BuildOutput, file), Path.Combine(folder, file), overwrite: true);
        }

        // The apphost's part: start the program that lies beside the real file, wherever the link points.
        var entry = Path.Combine(folder, Entry);
        File.WriteAllText(entry, "#!/bin/sh\nexec dotnet \"$(dirname \"$(readlink -f \"$0\")\")/Inspection.FakeAgent.dll\" \"$@\"\n");
        File.SetUnixFileMode(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        File.WriteAllText(
            Path.Combine(folder, "behaviour.json"),
            JsonSerializer.Serialize(new Dictionary<string, object> { ["version"] = version, ["behaviour"] = behaviour, ["stopAfterSeconds"] = stopAfterSeconds, ["frameMilliseconds"] = 50 }));
        return folder;
    }

    /// <summary>Publishes and packs a signed bundle; returns its path.</summary>
    public static string Bundle(string workFolder, string version, string behaviour, ECDsa key, double stopAfterSeconds = 3)
    {
        var publish = Publish(Path.Combine(workFolder, $"publish-{version}-{behaviour}"), version, behaviour, stopAfterSeconds);
        var bundle = Path.Combine(workFolder, $"agent-{version}-{behaviour}.zip");
        using var output = File.Create(bundle);
        AgentBundleBuilder.Pack(publish, version, Entry, key, output, TimeProvider.System);
        return bundle;
    }
}
