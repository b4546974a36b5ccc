using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace ProxyKit.Redis.Internal;

/// <summary>Connects when the host starts, so a wrong or unreachable address fails the start, naming the setting.</summary>
internal sealed class RedisStartupCheck(RedisConnection connection) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            await database.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw RedisConnection.Unavailable(ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
