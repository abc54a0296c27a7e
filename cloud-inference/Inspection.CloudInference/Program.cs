using Inspection.CloudInference;

// Host arguments only (--Cloud:HttpUrl=…, --Detector:ModelPath=…); the operator CLI is its own program (operator-cli/).
return await CloudInferenceApp.RunAsync(args, Console.Error);
