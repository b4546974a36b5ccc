using ProxyKit.Coordination;
using StackExchange.Redis;

namespace ProxyKit.Redis.Internal;

/// <summary>Reports Redis health.</summary>
internal sealed class RedisCoordinationBackend(RedisConnection connection) : ICoordinationBackend
{
    public string Name => "redis";

    public bool IsShared => true;

    public async ValueTask<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            await database.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ProxyKitException)
        {
            return false;
        }
    }
}
