namespace Inspection.CloudInference.Storage;

/// <summary>
/// The PostgreSQL advisory lock keys the cloud takes, one per kind of work that must not run twice at once. They share
/// one 64-bit space with any other application on the same database, hence the prefix ("Insp").
/// </summary>
public static class AdvisoryLockKeys
{
    /// <summary>Held while one replica applies schema migrations; the others wait, then find nothing left to apply.</summary>
    public const long Migrations = 0x496E_7370_0000_0001;

    /// <summary>Held by the one replica whose rollout controller runs its passes.</summary>
    public const long Rollouts = 0x496E_7370_0000_0002;

    /// <summary>Held for the moment an admin is demoted or disabled, so two replicas cannot remove the last two at once.</summary>
    public const long LastAdmin = 0x496E_7370_0000_0003;
}
