using System.Text.Json.Serialization;

namespace Inspection.EdgeAgent.SelfTest;

/// <summary>Every check's result and the verdict: what <c>self-test --json</c> prints.</summary>
/// <param name="Checks">One result per check, in the order they ran.</param>
public sealed record SelfTestReport([property: JsonPropertyOrder(1)] IReadOnlyList<SelfTestResult> Checks)
{
    /// <summary><c>pass</c> when no check failed (skipped checks do not count), otherwise <c>fail</c>.</summary>
    public string Verdict => Passed ? "pass" : "fail";

    /// <summary>The process's exit code: 0 when every check that ran passed, 1 when one failed.</summary>
    public int ExitCode => Passed ? SelfTestCommand.ExitPassed : SelfTestCommand.ExitFailed;

    private bool Passed => Checks.All(static c => c.Status != SelfTestStatus.Fail);
}
