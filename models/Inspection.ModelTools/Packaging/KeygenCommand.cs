using System.CommandLine;

namespace Inspection.ModelTools.Packaging;

/// <summary><c>keygen</c>: a publisher key pair for signing model packages.</summary>
public static class KeygenCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for NAME.private.pem and NAME.public.pem (created if missing). Keep it off devices and out of the repository.", Required = true };
        var name = new Option<string>("--name") { Description = "File name stem of the key pair.", DefaultValueFactory = _ => "publisher" };
        var command = new Command("keygen", "Create an ECDSA P-256 key pair that signs model packages; prints its key id.") { output, name };
        command.SetAction(parse =>
        {
            try
            {
                var (keyId, privatePath, publicPath) = PublisherKey.Create(parse.GetValue(output)!.FullName, parse.GetValue(name)!);
                parse.InvocationConfiguration.Output.WriteLine($"key id {keyId}");
                parse.InvocationConfiguration.Output.WriteLine($"private key (signs packages; keep it secret): {privatePath}");
                parse.InvocationConfiguration.Output.WriteLine($"public key (copy into the trusted-keys folders of devices and the registry): {publicPath}");
                return 0;
            }
            catch (IOException e)
            {
                parse.InvocationConfiguration.Error.WriteLine($"keygen: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
