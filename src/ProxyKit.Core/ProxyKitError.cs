namespace ProxyKit;

/// <summary>
/// An expected failure described for a caller: a stable machine-readable <see cref="Code"/>, a human
/// <see cref="Message"/> and optional structured <see cref="Details"/>. Hosts render it in the error shape
/// their API documents; libraries return it inside results instead of throwing.
/// </summary>
/// <param name="Code">A stable code such as <c>INSUFFICIENT_CREDITS</c> or <c>duplicate_proxy</c>.</param>
/// <param name="Message">A sentence for a human. Never contains secrets.</param>
/// <param name="Details">Optional structured details (field names, limits); never secrets.</param>
public sealed record ProxyKitError(string Code, string Message, IReadOnlyDictionary<string, object?>? Details = null)
{
    /// <inheritdoc />
    public override string ToString() => $"{Code}: {Message}";
}
