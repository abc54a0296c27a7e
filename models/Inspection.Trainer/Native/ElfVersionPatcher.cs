using System.Buffers.Binary;
using System.Text;

namespace Inspection.Trainer.Native;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 little-endian shared library weak
/// (<c>VER_FLG_WEAK</c> in the <c>vna_flags</c> of its <c>Vernaux</c> entry in <c>.gnu.version_r</c>).
/// The dynamic loader then accepts a C++ runtime that lacks the version, as long as no symbol bound to
/// that version is actually called. Only two bytes of the file change; the rewrite is atomic (a patched
/// copy is written beside the file and moved over it) and idempotent.
/// </summary>
public static class ElfVersionPatcher
{
    /// <summary>The <c>vna_flags</c> bit that makes a version requirement optional.</summary>
    public const ushort VerFlagWeak = 0x2;

    private const uint SectionTypeVersionNeed = 0x6ffffffe;   // SHT_GNU_verneed
    private const int SectionHeaderSize = 64;
    private const int VerneedSize = 16;
    private const int VernauxSize = 16;
    private const int VernauxFlagsOffset = 4;

    /// <summary>
    /// Marks the requirement on <paramref name="versionName"/> (e.g. <c>GLIBCXX_3.4.32</c>) weak in the file at
    /// <paramref name="path"/>. Throws <see cref="InvalidDataException"/> if the file is not a well-formed ELF64
    /// little-endian library; the file is then left untouched.
    /// </summary>
    public static ElfVersionPatchResult MarkWeak(string path, string versionName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(versionName);
        var bytes = File.ReadAllBytes(path);
        var flagsOffset = FindVersionFlags(bytes, versionName, path);
        if (flagsOffset < 0)
        {
            return ElfVersionPatchResult.NotRequired;
        }

        var flags = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(flagsOffset));
        if ((flags & VerFlagWeak) != 0)
        {
            return ElfVersionPatchResult.AlreadyWeak;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(flagsOffset), (ushort)(flags | VerFlagWeak));
        // A name of its own, so two processes patching the same file at once each rename a whole copy.
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.patching";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
        return ElfVersionPatchResult.Patched;
    }

    /// <summary>
    /// Whether the file at <paramref name="path"/> requires <paramref name="versionName"/> and, if so, whether
    /// that requirement is weak. Reads only; same errors as <see cref="MarkWeak"/>.
    /// </summary>
    public static (bool Required, bool Weak) Inspect(string path, string versionName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(versionName);
        var bytes = File.ReadAllBytes(path);
        var flagsOffset = FindVersionFlags(bytes, versionName, path);
        return flagsOffset < 0
            ? (false, false)
            : (true, (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(flagsOffset)) & VerFlagWeak) != 0);
    }

    /// <summary>File offset of the <c>vna_flags</c> of the requirement on <paramref name="versionName"/>, or -1.</summary>
    private static int FindVersionFlags(byte[] elf, string versionName, string path)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException($"'{path}' is not an ELF file.");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException($"'{path}' is not a 64-bit little-endian ELF file (class {elf[4]}, data {elf[5]}).");
        }

        var span = elf.AsSpan();
        var sectionTable = ToOffset(BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]), elf, path, "section table");
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        if (entrySize != SectionHeaderSize || sectionTable + ((long)count * entrySize) > elf.Length)
        {
            throw new InvalidDataException($"'{path}' has a malformed section table ({count} entries of {entrySize} bytes at {sectionTable}).");
        }

        for (var i = 0; i < count; i++)
        {
            var header = span.Slice(sectionTable + (i * SectionHeaderSize), SectionHeaderSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != SectionTypeVersionNeed)
            {
                continue;
            }

            var needOffset = ToOffset(BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]), elf, path, ".gnu.version_r");
            var needCount = BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..]);
            var stringsIndex = BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            if (stringsIndex >= count)
            {
                throw new InvalidDataException($"'{path}': .gnu.version_r links to section {stringsIndex}, but there are {count}.");
            }

            var stringsHeader = span.Slice(sectionTable + ((int)stringsIndex * SectionHeaderSize), SectionHeaderSize);
            var strings = ToOffset(BinaryPrimitives.ReadUInt64LittleEndian(stringsHeader[0x18..]), elf, path, ".dynstr");
            var stringsSize = (long)BinaryPrimitives.ReadUInt64LittleEndian(stringsHeader[0x20..]);
            return FindInVerneed(elf, needOffset, needCount, strings, stringsSize, versionName, path);
        }

        return -1;
    }

    private static int FindInVerneed(byte[] elf, int needOffset, uint needCount, int strings, long stringsSize, string versionName, string path)
    {
        var span = elf.AsSpan();
        var need = needOffset;
        for (var n = 0; n < needCount; n++)
        {
            CheckRange(need, VerneedSize, elf, path);
            var auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
            var aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]);
            for (var a = 0; a < auxCount; a++)
            {
                CheckRange(aux, VernauxSize, elf, path);
                var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..]);
                if (nameOffset >= stringsSize)
                {
                    throw new InvalidDataException($"'{path}': a version name points outside .dynstr.");
                }

                if (NameAt(elf, strings + (int)nameOffset) == versionName)
                {
                    return aux + VernauxFlagsOffset;
                }

                aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]);
            }

            var next = BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
            if (next == 0)
            {
                break;
            }

            need += (int)next;
        }

        return -1;
    }

    private static string NameAt(byte[] elf, int offset)
    {
        var end = Array.IndexOf(elf, (byte)0, offset);
        if (end < 0)
        {
            throw new InvalidDataException("A version name in .dynstr is not terminated.");
        }

        return Encoding.ASCII.GetString(elf, offset, end - offset);
    }

    private static int ToOffset(ulong value, byte[] elf, string path, string what) =>
        value < (ulong)elf.Length ? (int)value : throw new InvalidDataException($"'{path}': the {what} offset {value} is past the end of the file ({elf.Length} bytes).");

    private static void CheckRange(int offset, int size, byte[] elf, string path)
    {
        if (offset < 0 || offset + size > elf.Length)
        {
            throw new InvalidDataException($"'{path}': a version entry at {offset} runs past the end of the file.");
        }
    }
}
