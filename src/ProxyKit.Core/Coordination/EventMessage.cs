namespace ProxyKit.Coordination;

/// <summary>An event delivered to a subscriber.</summary>
/// <param name="Topic">The dotted topic it was published on, e.g. <c>proxy.pool_low</c>.</param>
/// <param name="Payload">The payload as published (usually JSON).</param>
public sealed record EventMessage(string Topic, string Payload);
