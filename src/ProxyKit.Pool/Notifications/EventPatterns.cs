using ProxyKit.Coordination;

namespace ProxyKit.Pool.Notifications;

/// <summary>
/// Event types and subscription patterns follow the event bus's topic rules (<see cref="CoordinationNames"/>): letters,
/// digits and <c>. _ - :</c>, with <c>*</c> in patterns matching any run of characters, dots included (<c>proxy.*</c>
/// matches <c>proxy.pool_low</c>; <c>*</c> matches everything).
/// </summary>
internal static class EventPatterns
{
    /// <summary>Gets whether <paramref name="type"/> matches any of <paramref name="patterns"/>.</summary>
    public static bool MatchesAny(IReadOnlyList<string> patterns, string type)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            if (patterns[i] is { } pattern && CoordinationNames.Matches(pattern, type))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Gets whether <paramref name="pattern"/> is a valid subscription pattern.</summary>
    public static bool IsValidPattern(string? pattern) =>
        !string.IsNullOrEmpty(pattern) && pattern.Length <= CoordinationNames.MaxLength && pattern.All(static c => c == '*' || IsTypeChar(c));

    /// <summary>Gets whether <paramref name="type"/> is a valid event type (a pattern without <c>*</c>).</summary>
    public static bool IsValidType(string? type) =>
        !string.IsNullOrEmpty(type) && type.Length <= CoordinationNames.MaxLength - BusTopicPrefix.Length && type.All(IsTypeChar);

    /// <summary>The prefix of the event bus topic an event is published on (<c>pool.proxy.pool_low</c>).</summary>
    public const string BusTopicPrefix = "pool.";

    private static bool IsTypeChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':';
}
