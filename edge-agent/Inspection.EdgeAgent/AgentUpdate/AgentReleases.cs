using System.Runtime.InteropServices;
using Inspection.Detection.Packaging;

namespace Inspection.EdgeAgent.AgentUpdate;

/// <summary>
/// install.sh's layout on the device: every release complete in its own folder <c>releases/&lt;name&gt;</c>, and the
/// link (<c>edge-agent</c>) the unit starts through pointing at one of them. A release folder appears only by the
/// rename of a finished staging folder, and the link only ever changes by the rename of a new link over it, so at every
/// instant the link names a complete release: a crash or a power cut leaves the old one or the new one, never a mix.
/// </summary>
public sealed class AgentReleases
{
    private const string ReleasesFolderName = "releases";
    private const string StagingPrefix = ".staging-";
    private const string TensorRtProvider = "libonnxruntime_providers_tensorrt.so";
    private const string NativeRuntimeNote = "onnxruntime-native.txt";

    public AgentReleases(string installPath, string linkName)
    {
        InstallPath = Path.GetFullPath(installPath);
        LinkPath = Path.Combine(InstallPath, linkName);
        PreviousLinkPath = Path.Combine(InstallPath, "previous");
        ReleasesPath = Path.Combine(InstallPath, ReleasesFolderName);
    }

    /// <summary>install.sh's second link, <c>previous</c>: the release to go back to by hand.</summary>
    public string PreviousLinkPath { get; }

    public string InstallPath { get; }

    /// <summary>The link the service starts through.</summary>
    public string LinkPath { get; }

    public string ReleasesPath { get; }

    /// <summary>The release the link points at (its folder name), or null when there is no link.</summary>
    public string? Current()
    {
        var target = new FileInfo(LinkPath).LinkTarget;
        return target is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(target));
    }

    /// <summary>The folder of release <paramref name="name"/>.</summary>
    public string PathOf(string name) => Path.Combine(ReleasesPath, name);

    public bool Exists(string name) => Directory.Exists(PathOf(name));

    /// <summary>
    /// Verifies <paramref name="bundle"/> and installs it as <c>releases/&lt;version&gt;</c> beside the running release:
    /// extracted into a staging folder, then renamed into place. An existing folder of that version is kept when it is
    /// the running release (never changed under the running agent) and replaced otherwise. Throws
    /// <see cref="PackageRejectedException"/> for a bundle that is not verified.
    /// <para>
    /// As install.sh does, a running release with the ONNX Runtime built on the device (TensorRT,
    /// <c>libonnxruntime_providers_tensorrt.so</c>) hands its <c>libonnxruntime*.so*</c> and
    /// <c>onnxruntime-native.txt</c> on to the new release in place of the bundle's CPU build, which no published bundle
    /// can replace: it is built against the device's JetPack.
    /// </para>
    /// </summary>
    public AgentManifest Install(string bundle, TrustedKeys trusted, long maxBytes)
    {
        Directory.CreateDirectory(ReleasesPath);
        var id = Guid.NewGuid().ToString("N");
        var staging = Path.Combine(ReleasesPath, StagingPrefix + id);
        try
        {
            AgentManifest manifest;
            using (var stream = File.OpenRead(bundle))
            {
                manifest = AgentBundle.Extract(stream, trusted, staging, maxBytes);
            }

            CarryDeviceRuntime(staging);
            var target = PathOf(manifest.Version);
            if (Directory.Exists(target))
            {
                if (Current() == manifest.Version)
                {
                    throw new PackageRejectedException($"release {manifest.Version} is the one running");
                }

                Directory.Delete(target, recursive: true);
            }

            Directory.Move(staging, target);
            return manifest;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private void CarryDeviceRuntime(string staging)
    {
        if (Current() is not { } current || !File.Exists(Path.Combine(PathOf(current), TensorRtProvider)))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(staging, "libonnxruntime*.so*"))
        {
            File.Delete(file);
        }

        foreach (var file in Directory.EnumerateFiles(PathOf(current), "libonnxruntime*.so*").Append(Path.Combine(PathOf(current), NativeRuntimeNote)))
        {
            if (File.Exists(file))
            {
                File.Copy(file, Path.Combine(staging, Path.GetFileName(file)), overwrite: true);
            }
        }
    }

    /// <summary>
    /// Points the link at release <paramref name="name"/>: a new link made beside it, then renamed over it (rename(2)
    /// replaces the old link in one step). Throws <see cref="DirectoryNotFoundException"/> when the release is missing.
    /// </summary>
    public void Switch(string name) => Point(LinkPath, name);

    /// <summary>Points install.sh's <c>previous</c> link at release <paramref name="name"/>, the same way.</summary>
    public void MarkPrevious(string name) => Point(PreviousLinkPath, name);

    private void Point(string link, string name)
    {
        if (!Exists(name))
        {
            throw new DirectoryNotFoundException($"There is no release '{name}' in {ReleasesPath} to switch to.");
        }

        var fresh = Path.Combine(InstallPath, $".{Path.GetFileName(link)}.new-{Guid.NewGuid():N}");

        // Relative, as install.sh makes it, so the installation can be moved or inspected from a rescue system.
        File.CreateSymbolicLink(fresh, Path.Combine(ReleasesFolderName, name));
        if (Rename(fresh, link) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            File.Delete(fresh);
            throw new IOException($"Could not switch {link} to {name}: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    /// <summary>
    /// Removes every release except <paramref name="keep"/>, the running one and the one the <c>previous</c> link names,
    /// and leftover staging folders.
    /// </summary>
    public IReadOnlyList<string> Prune(params string?[] keep)
    {
        var removed = new List<string>();
        if (!Directory.Exists(ReleasesPath))
        {
            return removed;
        }

        foreach (var folder in Directory.EnumerateDirectories(ReleasesPath))
        {
            var name = Path.GetFileName(folder);
            var previous = new FileInfo(PreviousLinkPath).LinkTarget is { } target ? Path.GetFileName(Path.TrimEndingDirectorySeparator(target)) : null;
            if (keep.Contains(name) || name == Current() || name == previous)
            {
                continue;
            }

            Directory.Delete(folder, recursive: true);
            removed.Add(name);
        }

        return removed;
    }

    // File.Move refuses to replace a link to a folder; rename(2) replaces the link itself, atomically.
    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);
}
