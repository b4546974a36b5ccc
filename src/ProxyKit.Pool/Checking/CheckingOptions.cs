namespace ProxyKit.Pool.Checking;

/// <summary>Options of proxy checking (section <c>ProxyKit:Pool:Checking</c>).</summary>
public sealed class CheckingOptions
{
}
