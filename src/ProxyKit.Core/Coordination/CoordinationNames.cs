namespace ProxyKit.Coordination;

/// <summary>
/// The naming rules every coordination backend enforces the same way, so code that works in-process
/// works unchanged against Redis.
/// </summary>
public static class CoordinationNames
{
    /// <summary>The longest key, resource name, topic or pattern.</summary>
    public const int MaxLength = 256;

    /// <summary>Throws when <paramref name="key"/> is empty, longer than <see cref="MaxLength"/>, or contains control characters or whitespace.</summary>
    public static void ThrowIfInvalidKey(string key, string paramName = "key")
    {
        ArgumentException.ThrowIfNullOrEmpty(key, paramName);
        if (key.Length > MaxLength || key.Any(static c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new ArgumentException($"A coordination key must be 1-{MaxLength} characters without whitespace or control characters.", paramName);
        }
    }

    /// <summary>Throws when <paramref name="topic"/> is not 1-256 characters of letters, digits and <c>. _ - :</c>.</summary>
    public static void ThrowIfInvalidTopic(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (topic.Length > MaxLength || !topic.All(IsTopicChar))
        {
            throw new ArgumentException($"Topic '{topic}' must be 1-{MaxLength} characters of letters, digits and '.', '_', '-', ':'.", nameof(topic));
        }
    }

    /// <summary>Throws when <paramref name="pattern"/> is not a topic in which <c>*</c> may also appear.</summary>
    public static void ThrowIfInvalidPattern(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        if (pattern.Length > MaxLength || !pattern.All(static c => c == '*' || IsTopicChar(c)))
        {
            throw new ArgumentException($"Pattern '{pattern}' must be 1-{MaxLength} characters of letters, digits, '.', '_', '-', ':' and '*'.", nameof(pattern));
        }
    }

    /// <summary>Gets whether <paramref name="topic"/> matches <paramref name="pattern"/>, where <c>*</c> matches any run of characters (dots included), as Redis PSUBSCRIBE does.</summary>
    public static bool Matches(string pattern, string topic)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(topic);
        return Matches(pattern.AsSpan(), topic.AsSpan());
    }

    private static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        // Iterative glob with one backtrack point: linear for patterns made of literals and '*'.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Throws when a concurrency <paramref name="limit"/> is below 1 or a lease does not last between 1 ms and 1 day.</summary>
    public static void ThrowIfInvalidLease(int limit, TimeSpan leaseDuration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (leaseDuration < TimeSpan.FromMilliseconds(1) || leaseDuration > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(leaseDuration), leaseDuration, "A lease must last between 1 ms and 1 day.");
        }
    }

    private static bool IsTopicChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':';
}
