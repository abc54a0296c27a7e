namespace Inspection.CloudInference.Tests; public class SmokeTests { [Fact] public void Placeholder_Runs_Passes() => Assert.True(true); }
