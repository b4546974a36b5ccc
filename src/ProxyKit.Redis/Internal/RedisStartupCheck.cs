using Microsoft.Extensions.Hosting;

namespace ProxyKit.Redis.Internal;

/// <summary>Connects when the host starts, so a wrong or unreachable address fails the start, naming the setting.</summary>
internal sealed class RedisStartupCheck(RedisConnection connection, TimeProvider timeProvider) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        connection.RetryWhileEstablishingAsync(
            static (multiplexer, ct) => multiplexer.GetDatabase().PingAsync().WaitAsync(ct), timeProvider, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
