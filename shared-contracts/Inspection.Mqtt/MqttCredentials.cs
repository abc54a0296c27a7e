namespace Inspection.Mqtt;

/// <summary>Where a client's broker password comes from: a file only its service account can read, or the configuration.</summary>
public static class MqttCredentials
{
    /// <summary>
    /// The password to present: the first line of <paramref name="passwordFile"/> when one is given (so the secret
    /// stays out of configuration files and their backups), otherwise <paramref name="password"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The password file cannot be read; the message names it.</exception>
    public static string? ResolvePassword(string? password, string? passwordFile, string section)
    {
        if (string.IsNullOrWhiteSpace(passwordFile))
        {
            return password;
        }

        try
        {
            using var reader = new StreamReader(passwordFile);
            return reader.ReadLine()?.TrimEnd('\r') ?? string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"{section}:PasswordFile '{passwordFile}' cannot be read ({ex.Message}): install the device's credentials file from 'identity mqtt' there, readable by the service account.",
                ex);
        }
    }
}
