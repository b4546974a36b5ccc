namespace ProxyKit.Relay.Listeners;

/// <summary>Creates listeners wired to the DI container's connector, resolver, clock and logging, with the host's defaults from <see cref="RelayOptions"/>.</summary>
public interface IRelayListenerFactory
{
    /// <summary>Creates a (not yet started) listener; <paramref name="configure"/> adjusts options pre-filled from <see cref="RelayOptions"/>.</summary>
    RelayListener Create(Action<RelayListenerOptions> configure);
}
