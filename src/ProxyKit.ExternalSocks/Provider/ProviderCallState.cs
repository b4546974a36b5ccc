namespace ProxyKit.ExternalSocks.Provider;

/// <summary>What the resilience handler tells the provider about one call: whether the request may have left this process.</summary>
internal sealed class ProviderCallState
{
    public static readonly HttpRequestOptionsKey<ProviderCallState> Key = new("ProxyKit.ExternalSocks.CallState");

    private int _maybeSent;

    /// <summary>Gets whether an attempt was handed to the transport (the provider may have received it).</summary>
    public bool MaybeSent => Volatile.Read(ref _maybeSent) != 0;

    public void MarkMaybeSent() => Volatile.Write(ref _maybeSent, 1);
}
