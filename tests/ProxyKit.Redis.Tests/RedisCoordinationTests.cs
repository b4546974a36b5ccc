using Microsoft.Extensions.Options;
using ProxyKit.Coordination;
using ProxyKit.Redis.Internal;
using ProxyKit.Testing;
using ProxyKit.Testing.Coordination;

namespace ProxyKit.Redis.Tests;

/// <summary>The coordination contract against a real Redis server; every "host" is its own connection.</summary>
public sealed class RedisCoordinationTests : CoordinationContractTests
{
    private readonly string _prefix = $"test:{Guid.NewGuid():N}:";
    private readonly List<IAsyncDisposable> _owned = [];

    protected override Task<IKeyedRateLimiter> CreateRateLimiterAsync() =>
        Task.FromResult<IKeyedRateLimiter>(new RedisKeyedRateLimiter(Connect(), Clock));

    protected override Task<IKeyedConcurrencyLimiter> CreateConcurrencyLimiterAsync() =>
        Task.FromResult<IKeyedConcurrencyLimiter>(new RedisKeyedConcurrencyLimiter(Connect(), Clock));

    protected override Task<IEventBus> CreateEventBusAsync()
    {
        var bus = new RedisEventBus(Connect(), new InProcessEventBus(), TimeProvider.System);
        _owned.Insert(0, bus);
        return Task.FromResult<IEventBus>(bus);
    }

    protected override Task<IDistributedLock> CreateLockAsync() =>
        Task.FromResult<IDistributedLock>(new RedisDistributedLock(Connect()));

    // Redis keeps lock expiry on its own clock.
    protected override Task ElapseLockTimeAsync(TimeSpan span) => Task.Delay(span);

    public override async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    private RedisConnection Connect()
    {
        var connection = new RedisConnection(Options.Create(new RedisCoordinationOptions
        {
            Configuration = TestEnvironment.RequireRedis(),
            KeyPrefix = _prefix,
        }));
        _owned.Add(connection);
        return connection;
    }
}
