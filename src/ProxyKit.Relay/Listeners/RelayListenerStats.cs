namespace ProxyKit.Relay.Listeners;

/// <summary>A snapshot of a listener's counters.</summary>
/// <param name="ConnectionsAccepted">Client connections accepted since start.</param>
/// <param name="ConnectionsActive">Client connections open now (handshaking or tunnelling).</param>
/// <param name="ConnectionsFailed">Client connections that ended without a tunnel.</param>
/// <param name="FailuresByReason"><paramref name="ConnectionsFailed"/> split by reason (reasons with no failure are omitted).</param>
/// <param name="BytesSent">Bytes relayed from clients to targets ("sent" from the listener's point of view, upstream).</param>
/// <param name="BytesReceived">Bytes relayed from targets back to clients.</param>
/// <param name="LastActivity">When a client last connected or a tunnel last moved bytes; <see langword="null"/> before any.</param>
/// <param name="Uptime">Time since the listener started.</param>
public sealed record RelayListenerStats(
    long ConnectionsAccepted,
    long ConnectionsActive,
    long ConnectionsFailed,
    IReadOnlyDictionary<RelayFailureReason, long> FailuresByReason,
    long BytesSent,
    long BytesReceived,
    DateTimeOffset? LastActivity,
    TimeSpan Uptime);
