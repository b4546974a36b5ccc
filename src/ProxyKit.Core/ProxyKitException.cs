namespace ProxyKit;

/// <summary>
/// The base exception of every ProxyKit package: misuse, broken invariants and infrastructure failures.
/// Expected business outcomes (insufficient credit, a duplicate key, "sold out") are results, not exceptions.
/// </summary>
public class ProxyKitException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public ProxyKitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the failure that caused it.</summary>
    public ProxyKitException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with a message, a cause and whether retrying may succeed.</summary>
    public ProxyKitException(string message, Exception? innerException, bool isTransient)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    /// <summary>
    /// Gets whether the same operation may succeed if retried later (a dropped connection, a timeout),
    /// as opposed to a failure that repeats until something is changed (bad configuration, a broken invariant).
    /// </summary>
    public bool IsTransient { get; }
}
