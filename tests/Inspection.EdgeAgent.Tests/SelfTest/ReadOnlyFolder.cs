using System.Diagnostics;

namespace Inspection.EdgeAgent.Tests.SelfTest;

/// <summary>
/// Makes a folder read-only for this process, and writable again on dispose. Permission bits alone do not stop root
/// (tests often run as root in containers), so as root the folder is also made immutable (chattr +i).
/// </summary>
internal sealed class ReadOnlyFolder : IDisposable
{
    private readonly string _folder;
    private readonly bool _immutable;

    private ReadOnlyFolder(string folder, bool immutable)
    {
        _folder = folder;
        _immutable = immutable;
    }

    public static ReadOnlyFolder Make(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The agent runs on Linux; so do its storage tests.");
        }

        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        var immutable = Environment.IsPrivilegedProcess;
        if (immutable)
        {
            Chattr("+i", folder);
        }

        var made = new ReadOnlyFolder(folder, immutable);
        try
        {
            File.WriteAllText(Path.Combine(folder, "probe"), "x");
        }
        catch (UnauthorizedAccessException)
        {
            return made;
        }
        catch (IOException)
        {
            return made;
        }

        made.Dispose();
        throw new InvalidOperationException($"{folder} could not be made read-only (chmod, chattr +i): the test would prove nothing.");
    }

    public void Dispose()
    {
        if (_immutable)
        {
            Chattr("-i", _folder);
        }

        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        File.Delete(Path.Combine(_folder, "probe"));
    }

    private static void Chattr(string flag, string folder)
    {
        using var process = Process.Start(new ProcessStartInfo("chattr", [flag, folder]) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("chattr did not start.");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chattr {flag} {folder} failed ({process.ExitCode}): {error}");
        }
    }
}
