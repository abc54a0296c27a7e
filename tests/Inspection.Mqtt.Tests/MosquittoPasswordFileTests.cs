using System.Diagnostics;

namespace Inspection.Mqtt.Tests;

public sealed class MosquittoPasswordFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Verify_LineWrittenByMosquittoPasswd_AcceptsItsPasswordOnly()
    {
        var path = _temp.File("passwd");
        using (var tool = Process.Start("/usr/bin/mosquitto_passwd", ["-c", "-b", path, "line1-cam1", "s3cret-pass"]))
        {
            await tool.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, tool.ExitCode);
        }

        var file = MosquittoPasswordFile.Load(path);

        Assert.StartsWith("line1-cam1:$7$101$", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.True(file.Verify("line1-cam1", "s3cret-pass"));
        Assert.False(file.Verify("line1-cam1", "s3cret-pasS"));
        Assert.False(file.Verify("line1-cam2", "s3cret-pass"));
    }

    [Fact]
    public void Hash_SameShapeAsMosquittoPasswd_VerifiesAndSaltsEachTime()
    {
        var first = MosquittoPasswordFile.Hash("pw");
        var second = MosquittoPasswordFile.Hash("pw");
        var parts = first.Split('$');

        Assert.Equal(["", "7", "101"], parts[..3]);
        Assert.Equal(12, Convert.FromBase64String(parts[3]).Length);
        Assert.Equal(64, Convert.FromBase64String(parts[4]).Length);
        Assert.NotEqual(first, second);
        File.WriteAllText(_temp.File("p"), $"u:{first}\n");
        Assert.True(MosquittoPasswordFile.Load(_temp.File("p")).Verify("u", "pw"));
    }
}
