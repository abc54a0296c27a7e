using Inspection.CloudInference;
using Inspection.CloudInference.Accounts;

// Host arguments (--Cloud:HttpUrl=…, --Detector:ModelPath=…), or "accounts add|token" to write an account while the
// service is stopped; the operator CLI is its own program (operator-cli/).
if (args is ["accounts", ..])
{
    return await AccountsCommand.RunAsync(args, Console.In, Console.Out, Console.Error);
}

return await CloudInferenceApp.RunAsync(args, Console.Error);
