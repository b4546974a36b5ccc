using ProxyKit.Accounts.Idempotency;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Accounts.Tests.Idempotency;

public abstract class IdempotencyStoreContractTests(TestEngine engine) : StoreContractTestBase(engine)
{
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [SkippableFact]
    public async Task SameKeySameBody_GetsTheStoredResponse_DifferentBody_Mismatch()
    {
        var store = await CreateAsync();

        var first = await store.BeginAsync("user-1", "key-1", "hash-a");
        await store.CompleteAsync("user-1", "key-1", new IdempotentResponse(200, "application/json", """{"lease_id":"x"}"""));
        var replay = await store.BeginAsync("user-1", "key-1", "hash-a");
        var other = await store.BeginAsync("user-1", "key-1", "hash-b");
        var otherUser = await store.BeginAsync("user-2", "key-1", "hash-b");

        first.State.ShouldBe(IdempotencyState.Started);
        replay.State.ShouldBe(IdempotencyState.Completed);
        replay.Response.ShouldBe(new IdempotentResponse(200, "application/json", """{"lease_id":"x"}"""));
        other.State.ShouldBe(IdempotencyState.Mismatch);
        otherUser.State.ShouldBe(IdempotencyState.Started, "keys are scoped per user");
    }

    [SkippableFact]
    public async Task ConcurrentDuplicates_ExactlyOneOwnsTheKey_TheOthersSeeItInProgress()
    {
        var store = await CreateAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => store.BeginAsync("u", "k", "h"))));

        results.Count(r => r.State == IdempotencyState.Started).ShouldBe(1);
        results.Count(r => r.State == IdempotencyState.InProgress).ShouldBe(15);
    }

    [SkippableFact]
    public async Task Abandoned_TheKeyCanBeRetried_AndAStaleClaimIsTakenOver()
    {
        var store = await CreateAsync();
        await store.BeginAsync("u", "abandoned", "h");
        await store.AbandonAsync("u", "abandoned");
        await store.BeginAsync("u", "crashed", "h");

        var retried = await store.BeginAsync("u", "abandoned", "h");
        var tooSoon = await store.BeginAsync("u", "crashed", "h");
        _clock.Advance(IdempotencyStore.StaleAfter + TimeSpan.FromSeconds(1));
        var takenOver = await store.BeginAsync("u", "crashed", "h");
        var second = await store.BeginAsync("u", "crashed", "h");

        retried.State.ShouldBe(IdempotencyState.Started);
        tooSoon.State.ShouldBe(IdempotencyState.InProgress);
        takenOver.State.ShouldBe(IdempotencyState.Started);
        second.State.ShouldBe(IdempotencyState.InProgress, "the takeover is a fresh claim");
    }

    private async Task<IdempotencyStore> CreateAsync()
    {
        var database = await CreateProxyKitDatabaseAsync();
        await new MigrationRunner(database, [MigrationModule.FromAssembly("accounts", typeof(IdempotencyStore).Assembly)], TimeProvider.System).RunAsync();
        return new IdempotencyStore(database, _clock);
    }
}

public sealed class SqliteIdempotencyStoreTests() : IdempotencyStoreContractTests(TestEngine.Sqlite);

public sealed class PostgresIdempotencyStoreTests() : IdempotencyStoreContractTests(TestEngine.Postgres);
