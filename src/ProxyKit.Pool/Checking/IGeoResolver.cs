using System.Net;

namespace ProxyKit.Pool.Checking;

/// <summary>Finds the country of an address (register your own as a singleton to replace <see cref="CsvGeoResolver"/>).</summary>
public interface IGeoResolver
{
    /// <summary>Returns the ISO 3166-1 alpha-2 country of <paramref name="address"/>, or <see langword="null"/> when unknown.</summary>
    string? Resolve(IPAddress address);
}
