namespace ProxyKit.Pool.Leasing;

/// <summary>Error codes of acquiring and releasing leases (besides <see cref="PoolErrorCodes.InvalidRequest"/> and <see cref="PoolErrorCodes.NotFound"/>).</summary>
public static class LeaseErrorCodes
{
    /// <summary>The caller's credits do not cover a lease (HTTP 402).</summary>
    public const string InsufficientCredits = "INSUFFICIENT_CREDITS";

    /// <summary>No active proxy matches the filters (HTTP 404).</summary>
    public const string NoMatchingProxy = "NO_MATCHING_PROXY";

    /// <summary>Every active proxy matching the filters is leased right now (HTTP 409).</summary>
    public const string AllLeased = "ALL_LEASED";

    /// <summary>The idempotency key was used by this caller for a different request (HTTP 422).</summary>
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
}
