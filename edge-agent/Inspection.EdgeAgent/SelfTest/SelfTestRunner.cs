using System.Globalization;
using System.Text;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>Runs the registered checks in order, each on its own: one failing or throwing does not stop the others.</summary>
public sealed class SelfTestRunner
{
    private readonly IReadOnlyList<ISelfTestCheck> _checks;
    private readonly TimeProvider _time;

    public SelfTestRunner(IEnumerable<ISelfTestCheck> checks, TimeProvider time)
    {
        _checks = [.. checks];
        _time = time;
    }

    /// <summary>The checks' names, in the order they run.</summary>
    public IReadOnlyList<string> Names => [.. _checks.Select(static c => c.Name)];

    public async Task<SelfTestReport> RunAsync(IReadOnlySet<string> skip, CancellationToken cancellationToken)
    {
        var results = new List<SelfTestResult>(_checks.Count);
        foreach (var check in _checks)
        {
            if (skip.Contains(check.Name))
            {
                results.Add(new SelfTestResult(SelfTestStatus.Skip, "skipped (--skip)") { Name = check.Name });
                continue;
            }

            var started = _time.GetTimestamp();
            SelfTestResult result;
            try
            {
                result = await check.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A check that throws is a bug in the check or a surprise from the device: report it, run the rest.
                result = SelfTestResult.Fail($"{ex.GetType().Name}: {ex.Message}");
            }

            results.Add(result with { Name = check.Name, ElapsedMilliseconds = Math.Round(_time.GetElapsedTime(started).TotalMilliseconds, 1) });
        }

        return new SelfTestReport(results);
    }

    /// <summary>The report as text: one line per check, then the verdict.</summary>
    public static string Format(SelfTestReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var culture = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (var check in report.Checks)
        {
            var status = check.Status switch
            {
                SelfTestStatus.Pass => "PASS",
                SelfTestStatus.Fail => "FAIL",
                _ => "SKIP",
            };
            text.AppendLine(culture, $"{check.Name,-10} {status}  {check.Detail}");
        }

        var failed = report.Checks.Where(static c => c.Status == SelfTestStatus.Fail).Select(static c => c.Name).ToList();
        var passed = report.Checks.Count(static c => c.Status == SelfTestStatus.Pass);
        var skipped = report.Checks.Count(static c => c.Status == SelfTestStatus.Skip);
        text.AppendLine(failed.Count == 0
            ? string.Create(culture, $"self-test: PASS ({passed} passed, {skipped} skipped)")
            : string.Create(culture, $"self-test: FAIL ({string.Join(", ", failed)} failed; {passed} passed, {skipped} skipped)"));
        return text.ToString();
    }
}
