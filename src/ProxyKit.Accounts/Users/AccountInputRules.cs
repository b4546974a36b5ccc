using System.Buffers;
using System.Net.Mail;
using System.Text;

namespace ProxyKit.Accounts.Users;

/// <summary>What registration and key creation accept: emails, display names and key labels.</summary>
internal static class AccountInputRules
{
    public const int MaxEmailLength = 254;
    public const int MaxLocalPartLength = 64;
    public const int MaxDisplayNameLength = 100;
    public const int MaxLabelLength = 64;

    public const string InvalidEmailMessage = "email must be a valid address (local@domain.tld) of at most 254 characters.";
    public const string InvalidDisplayNameMessage = "display_name must be 1-100 characters without control characters.";
    public const string InvalidLabelMessage = "label must be 1-64 characters without control characters.";

    /// <summary>
    /// Accepts a plain address (no display name, comments or whitespace), one <c>@</c>, a local part of at most 64 and
    /// a dotted domain, at most 254 characters in all, that <see cref="MailAddress"/> parses back unchanged.
    /// </summary>
    /// <param name="email">As given.</param>
    /// <param name="trimmed">The address to store and show (surrounding whitespace removed, case kept).</param>
    /// <param name="normalized">The address to compare (NFC, lower case): the unique key, so <c>A@x.io</c> and <c>a@X.io</c> are one user.</param>
    public static bool TryNormalizeEmail(string? email, out string trimmed, out string normalized)
    {
        trimmed = normalized = string.Empty;
        var candidate = email?.Trim();
        if (string.IsNullOrEmpty(candidate) || candidate.Length > MaxEmailLength)
        {
            return false;
        }

        foreach (var c in candidate)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        var at = candidate.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != candidate.LastIndexOf('@') || at > MaxLocalPartLength)
        {
            return false;
        }

        var domain = candidate.AsSpan(at + 1);
        if (domain.Length < 3 || !domain.Contains('.') || domain[0] is '.' or '-' || domain[^1] is '.' or '-' || domain.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        if (!MailAddress.TryCreate(candidate, out var parsed) || !string.Equals(parsed.Address, candidate, StringComparison.Ordinal) || parsed.DisplayName.Length != 0)
        {
            return false;
        }

        trimmed = candidate;
#pragma warning disable CA1308 // Email addresses are conventionally compared in lower case; this is a comparison key, not a display form.
        normalized = candidate.Normalize(NormalizationForm.FormC).ToLowerInvariant();
#pragma warning restore CA1308
        return true;
    }

    /// <summary>Accepts 1-100 characters (Unicode scalar values) after trimming, without control or bidirectional-override characters.</summary>
    public static bool TryNormalizeDisplayName(string? displayName, out string trimmed) => TryNormalizeText(displayName, MaxDisplayNameLength, out trimmed);

    /// <summary>Accepts 1-64 characters after trimming, without control or bidirectional-override characters.</summary>
    public static bool TryNormalizeLabel(string? label, out string trimmed) => TryNormalizeText(label, MaxLabelLength, out trimmed);

    private static bool TryNormalizeText(string? text, int maxLength, out string trimmed)
    {
        trimmed = string.Empty;
        var candidate = text?.Trim();
        if (string.IsNullOrEmpty(candidate))
        {
            return false;
        }

        var rest = candidate.AsSpan();
        var count = 0;
        while (!rest.IsEmpty)
        {
            // Lone surrogates are not text; control characters and bidi overrides break or spoof whatever displays the name.
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != OperationStatus.Done
                || Rune.IsControl(rune)
                || rune.Value is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069)
                || ++count > maxLength)
            {
                return false;
            }

            rest = rest[consumed..];
        }

        trimmed = candidate;
        return true;
    }
}
