namespace ProxyKit;

/// <summary>The outcome of an operation that can fail for an expected reason (bad input, not found, refused by a rule).</summary>
/// <typeparam name="T">The value of a success.</typeparam>
public sealed class ProxyKitResult<T>
{
    internal ProxyKitResult(T? value, ProxyKitError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>Gets the value of a success.</summary>
    public T? Value { get; }

    /// <summary>Gets why the operation failed, or <see langword="null"/> on success.</summary>
    public ProxyKitError? Error { get; }

    /// <summary>Gets whether the operation succeeded.</summary>
    public bool Succeeded => Error is null;
}

/// <summary>Creates <see cref="ProxyKitResult{T}"/>s.</summary>
public static class ProxyKitResult
{
    /// <summary>A success.</summary>
    public static ProxyKitResult<T> Success<T>(T value) => new(value, null);

    /// <summary>A failure.</summary>
    public static ProxyKitResult<T> Failure<T>(ProxyKitError error) => new(default, error ?? throw new ArgumentNullException(nameof(error)));

    /// <summary>A failure from a code, message and details.</summary>
    public static ProxyKitResult<T> Failure<T>(string code, string message, IReadOnlyDictionary<string, object?>? details = null) =>
        new(default, new ProxyKitError(code, message, details));
}
