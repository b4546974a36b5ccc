namespace ProxyKit.Redis;

/// <summary>Options of the Redis coordination backend (section <c>ProxyKit:Redis</c>).</summary>
public sealed class RedisCoordinationOptions
{
    /// <summary>The configuration path of <see cref="Configuration"/>, named in every error about it.</summary>
    public const string ConfigurationSetting = "ProxyKit:Redis:Configuration";

    /// <summary>
    /// Gets or sets the StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c> or
    /// <c>redis.internal:6379,password=...,ssl=true</c>. Required. The password never appears in logs or errors.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Gets or sets the prefix of every key and channel ProxyKit uses, so several deployments can share one
    /// Redis. Defaults to <c>proxykit:</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "proxykit:";
}
