using System.Diagnostics;

namespace Inspection.CloudInference.Tests.Web;

/// <summary>The operator page as a browser renders it: headless Chromium (Debian package, installed by test.sh) prints the DOM after the page's scripts ran.</summary>
internal static class HeadlessChromium
{
    public const string Path = "/usr/bin/chromium";

    public static async Task<string> DumpDomAsync(Uri url, string workDirectory, CancellationToken cancellationToken)
    {
        Assert.True(File.Exists(Path), $"{Path} is missing: run ./test.sh, which installs the Debian package chromium.");
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The flags keep Chromium off the network it cannot reach here, and let it run as root; the virtual time budget
        // lets the page's first refresh (its fetches) finish before the DOM is printed.
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     $"--user-data-dir={System.IO.Path.Combine(workDirectory, "chromium-profile")}",
                     "--virtual-time-budget=8000", "--dump-dom", url.ToString(),
                 })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var dom = await stdout;
        Assert.True(dom.Length > 0, $"chromium printed no DOM: {await stderr}");
        return dom;
    }
}
