using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>Runs the registered checks in order, each on its own: one failing or throwing does not stop the others.</summary>
public sealed partial class SelfTestRunner
{
    private readonly IReadOnlyList<ISelfTestCheck> _checks;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SelfTestRunner(IEnumerable<ISelfTestCheck> checks, TimeProvider time, ILogger<SelfTestRunner>? logger = null)
    {
        _checks = [.. checks];
        _time = time;
        _logger = logger ?? NullLogger<SelfTestRunner>.Instance;
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
                // A check that throws is a bug in the check or a surprise from the device: report it, run the rest. The
                // line names the cause (not a reflection or aggregate wrapper); the log (stderr) has the whole of it.
                Log.CheckThrew(_logger, check.Name, ex);
                result = SelfTestResult.Fail(Describe(ex));
            }

            results.Add(result with { Name = check.Name, ElapsedMilliseconds = Math.Round(_time.GetElapsedTime(started).TotalMilliseconds, 1) });
        }

        return new SelfTestReport(results);
    }

    // The wrapper's words say nothing ("Exception has been thrown by the target of an invocation"): name what it wraps.
    internal static string Describe(Exception ex)
    {
        var cause = ex;
        while (cause is TargetInvocationException or TypeInitializationException or AggregateException && cause.InnerException is not null)
        {
            cause = cause.InnerException;
        }

        var text = $"{cause.GetType().Name}: {cause.Message}";
        return cause.InnerException is { } inner ? $"{text} ({inner.GetType().Name}: {inner.Message})" : text;
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

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "The self-test's {Check} check threw")]
        public static partial void CheckThrew(ILogger logger, string check, Exception exception);
    }
}
