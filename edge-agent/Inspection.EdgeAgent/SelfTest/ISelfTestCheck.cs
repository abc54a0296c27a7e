namespace Inspection.EdgeAgent.SelfTest;

/// <summary>One check of the <c>self-test</c> verb: a part of the device the agent needs, tried for real.</summary>
public interface ISelfTestCheck
{
    /// <summary>Short name, as <c>--skip</c> takes it: <c>provider</c>, <c>storage</c>, ….</summary>
    string Name { get; }

    /// <summary>Runs the check. A problem is a failed result, not an exception.</summary>
    Task<SelfTestResult> RunAsync(CancellationToken cancellationToken);
}
