using System.Diagnostics;

namespace Inspection.CloudInference.Tests.Infrastructure;

/// <summary>
/// A real, small filesystem (tmpfs of a few MiB, mounted for the test) that can be filled to the last byte: a disk that
/// is really full, for a store that really cannot write. Needs root (the test machines and CI run as root).
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private readonly string _filler;

    private SmallDisk(string path)
    {
        Path = path;
        _filler = System.IO.Path.Combine(path, "filler");
    }

    public string Path { get; }

    public static SmallDisk Mount(string parent, int megabytes)
    {
        var path = Directory.CreateDirectory(System.IO.Path.Combine(parent, "small-disk")).FullName;
        Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        return new SmallDisk(path);
    }

    /// <summary>Writes a filler file until the filesystem refuses another byte.</summary>
    public void Fill()
    {
        var block = new byte[64 * 1024];
        using var stream = new FileStream(_filler, FileMode.Append, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
            // No space left: full.
        }

        // What is left under one block, byte by byte.
        try
        {
            while (true)
            {
                stream.WriteByte(0);
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Deletes the filler: the disk has room again.</summary>
    public void Free() => File.Delete(_filler);

    public void Dispose()
    {
        // Lazy: a database still open on it (a failed test) must not keep the mount behind.
        Run("umount", "-l", Path);
    }

    private static void Run(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
        }
    }
}
