namespace Inspection.Trainer.Native;

/// <summary>What <see cref="ElfVersionPatcher.MarkWeak"/> found and did.</summary>
public enum ElfVersionPatchResult
{
    /// <summary>The version requirement was strong and is now weak.</summary>
    Patched,

    /// <summary>The version requirement was already weak; the file was not written.</summary>
    AlreadyWeak,

    /// <summary>The file does not require that version at all; nothing to do.</summary>
    NotRequired,
}
