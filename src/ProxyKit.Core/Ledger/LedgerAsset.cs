namespace ProxyKit.Ledger;

/// <summary>
/// What a ledger account holds, counted in integer minor units: <see cref="Credits"/> in whole credits,
/// <see cref="Usd"/> in cents. Money is never a floating-point number.
/// </summary>
public readonly record struct LedgerAsset
{
    /// <summary>Pool credits; one unit is one credit (a lease costs 1).</summary>
    public static LedgerAsset Credits { get; } = new("credits");

    /// <summary>US dollars; one unit is one cent (an external proxy costs 200).</summary>
    public static LedgerAsset Usd { get; } = new("usd");

    /// <summary>Creates an asset from its code: lower-case ASCII letters, digits and '_', 1 to 16 characters.</summary>
    /// <exception cref="ArgumentException">The code is not of that form.</exception>
    public LedgerAsset(string code)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        if (code.Length > 16 || !code.All(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException($"Asset code '{code}' must be 1-16 characters of a-z, 0-9 and '_'.", nameof(code));
        }

        Code = code;
    }

    /// <summary>Gets the stable code stored with every account and transfer.</summary>
    public string Code { get; }

    /// <inheritdoc />
    public override string ToString() => Code ?? string.Empty;
}
