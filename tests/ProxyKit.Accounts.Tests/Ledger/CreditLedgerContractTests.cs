using Microsoft.Extensions.Options;
using ProxyKit.Accounts.Ledger;
using ProxyKit.Ledger;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Accounts.Tests.Ledger;

/// <summary>The ledger's invariants on a real database, for the batched and the one-at-a-time charge paths.</summary>
public abstract class CreditLedgerContractTests(TestEngine engine) : StoreContractTestBase(engine)
{
    private readonly List<CreditLedger> _ledgers = [];
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Charge_64ConcurrentSpendersOnABalanceOf100_Exactly100SucceedAndTheBooksBalance(bool batched)
    {
        var (ledger, _) = await CreateAsync(batched);
        var user = Guid.NewGuid();
        (await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Credits, 100, "grant-1"))).Succeeded.ShouldBeTrue();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 64).Select(spender => Task.Run(async () =>
        {
            var mine = new List<LedgerResult>();
            for (var attempt = 0; attempt < 3; attempt++)
            {
                mine.Add(await ledger.ChargeAsync(new LedgerCharge(user, LedgerAsset.Credits, 1, $"spend-{spender}-{attempt}", "Proxy acquired", TxType: "acquire")));
            }

            return mine;
        })));

        var all = outcomes.SelectMany(o => o).ToList();
        all.Count(r => r.Succeeded).ShouldBe(100);
        all.Where(r => !r.Succeeded).ShouldAllBe(r => r.Status == LedgerStatus.InsufficientFunds);
        all.Where(r => r.Succeeded).ShouldAllBe(r => r.BalanceAfter >= 0);
        all.Where(r => r.Succeeded).Select(r => r.BalanceAfter).Distinct().Count().ShouldBe(100, "each success saw its own balance, 99 down to 0");
        (await ledger.GetBalanceAsync(user, LedgerAsset.Credits)).ShouldBe(0);
        await ShouldBalanceAsync(ledger);
    }

    [SkippableFact]
    public async Task Charge_TwoHostsOnOneDatabase_StillExactlyTheBalance()
    {
        var (first, database) = await CreateAsync(batched: true);
        var second = Ledger(database, batched: true);
        var user = Guid.NewGuid();
        await first.GrantAsync(new LedgerGrant(user, LedgerAsset.Credits, 50, "grant"));

        var results = await Task.WhenAll(Enumerable.Range(0, 120).Select(i =>
            (i % 2 == 0 ? first : second).ChargeAsync(new LedgerCharge(user, LedgerAsset.Credits, 1, $"k{i}", "lease")).AsTask()));

        results.Count(r => r.Succeeded).ShouldBe(50);
        (await first.GetBalanceAsync(user, LedgerAsset.Credits)).ShouldBe(0);
        await ShouldBalanceAsync(first);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Charge_OneIdempotencyKeyReplayedConcurrently_OneEffectAndIdenticalResults(bool batched)
    {
        var (ledger, _) = await CreateAsync(batched);
        var user = Guid.NewGuid();
        await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Usd, 1000, "g"));
        var charge = new LedgerCharge(user, LedgerAsset.Usd, 200, "order-42", "External proxy", "order-42", "purchase");

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => ledger.ChargeAsync(charge).AsTask()));
        var later = await ledger.ChargeAsync(charge);
        var different = await ledger.ChargeAsync(charge with { Amount = 300 });

        results.ShouldAllBe(r => r.Succeeded);
        results.Select(r => (r.TransferId, r.BalanceAfter)).Distinct().Count().ShouldBe(1, "every replay answers with the original transfer and balance");
        results.Count(r => !r.Replayed).ShouldBe(1);
        later.Replayed.ShouldBeTrue();
        later.TransferId.ShouldBe(results[0].TransferId);
        different.Status.ShouldBe(LedgerStatus.IdempotencyConflict);
        (await ledger.GetBalanceAsync(user, LedgerAsset.Usd)).ShouldBe(800);
        await ShouldBalanceAsync(ledger);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Charge_RetriesMixedWithNewCharges_RetriesAnswerTheOriginalAndNewOnesSettleOnce(bool batched)
    {
        var (ledger, _) = await CreateAsync(batched);
        var user = Guid.NewGuid();
        await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Credits, 100, "g"));
        var originals = new List<LedgerResult>();
        for (var i = 0; i < 5; i++)
        {
            originals.Add(await ledger.ChargeAsync(new LedgerCharge(user, LedgerAsset.Credits, 1, $"old-{i}", "lease")));
        }

        var mixed = await Task.WhenAll(Enumerable.Range(0, 25).Select(i => ledger.ChargeAsync(
            new LedgerCharge(user, LedgerAsset.Credits, 1, i < 5 ? $"old-{i}" : $"new-{i}", "lease")).AsTask()));

        mixed.Take(5).Select(r => (r.TransferId, r.Replayed)).ShouldBe(originals.Select(o => (o.TransferId, true)));
        mixed.Skip(5).ShouldAllBe(r => r.Succeeded && !r.Replayed);
        (await ledger.GetBalanceAsync(user, LedgerAsset.Credits)).ShouldBe(75);
        await ShouldBalanceAsync(ledger);
    }

    [SkippableFact]
    public async Task Grant_Replayed_IssuesOnce()
    {
        var (ledger, _) = await CreateAsync(batched: true);
        var user = Guid.NewGuid();

        var first = await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Credits, 100, "purchase-1"));
        var again = await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Credits, 100, "purchase-1"));

        again.Replayed.ShouldBeTrue();
        again.TransferId.ShouldBe(first.TransferId);
        (await ledger.GetBalanceAsync(user, LedgerAsset.Credits)).ShouldBe(100);
    }

    [SkippableFact]
    public async Task Hold_ThenPost_TheBalanceDropsOnceAndRevenueGetsIt()
    {
        var (ledger, _) = await CreateAsync(batched: true);
        var user = Guid.NewGuid();
        await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Usd, 500, "g"));

        var hold = await ledger.HoldAsync(new LedgerHold(user, LedgerAsset.Usd, 200, "buy-1", "External proxy", _clock.GetUtcNow().AddMinutes(5)));
        var balanceWhileHeld = await ledger.GetBalanceAsync(user, LedgerAsset.Usd);
        var posted = await ledger.PostHoldAsync(hold.TransferId!.Value);
        var postedAgain = await ledger.PostHoldAsync(hold.TransferId.Value);
        var voidAfterPost = await ledger.VoidHoldAsync(hold.TransferId.Value);

        hold.Succeeded.ShouldBeTrue();
        balanceWhileHeld.ShouldBe(300);
        posted.Succeeded.ShouldBeTrue();
        postedAgain.Status.ShouldBe(LedgerStatus.HoldNotPending);
        voidAfterPost.Status.ShouldBe(LedgerStatus.HoldNotPending);
        (await ledger.GetBalanceAsync(user, LedgerAsset.Usd)).ShouldBe(300);
        (await ledger.PostHoldAsync(Guid.NewGuid())).Status.ShouldBe(LedgerStatus.NotFound);
        await ShouldBalanceAsync(ledger);
    }

    [SkippableFact]
    public async Task Hold_ThenVoid_TheBalanceComesBack_AndAHoldBeyondTheBalanceIsRefused()
    {
        var (ledger, _) = await CreateAsync(batched: true);
        var user = Guid.NewGuid();
        await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Usd, 250, "g"));

        var tooMuch = await ledger.HoldAsync(new LedgerHold(user, LedgerAsset.Usd, 251, "h0", "x", _clock.GetUtcNow().AddMinutes(5)));
        var hold = await ledger.HoldAsync(new LedgerHold(user, LedgerAsset.Usd, 200, "h1", "x", _clock.GetUtcNow().AddMinutes(5)));
        var voided = await ledger.VoidHoldAsync(hold.TransferId!.Value);

        tooMuch.Status.ShouldBe(LedgerStatus.InsufficientFunds);
        voided.Succeeded.ShouldBeTrue();
        voided.BalanceAfter.ShouldBe(250);
        (await ledger.GetBalanceAsync(user, LedgerAsset.Usd)).ShouldBe(250);
        await ShouldBalanceAsync(ledger);
    }

    [SkippableFact]
    public async Task JoinedHold_CommitsAndRollsBackWithTheCallersTransaction_AndRefusesWithoutWriting()
    {
        var (ledger, database) = await CreateAsync(batched: true);
        var user = Guid.NewGuid();
        await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Usd, 500, "g"));
        ledger.CanJoin(database).ShouldBeTrue();
        ledger.CanJoin(await CreateProxyKitDatabaseAsync()).ShouldBeFalse("another database cannot share a transaction");

        // Rolled back by the caller: the hold and its debit vanish with it.
        Guid rolledBack;
        await using (var connection = await database.OpenConnectionAsync())
        {
            await using var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, default);
            var hold = await ledger.HoldAsync(new LedgerHold(user, LedgerAsset.Usd, 200, "joined-1", "x", _clock.GetUtcNow().AddMinutes(5)), connection, transaction);
            hold.Succeeded.ShouldBeTrue();
            hold.BalanceAfter.ShouldBe(300);
            rolledBack = hold.TransferId!.Value;
            await transaction.RollbackAsync();
        }

        (await ledger.GetBalanceAsync(user, LedgerAsset.Usd)).ShouldBe(500);
        (await ledger.PostHoldAsync(rolledBack)).Status.ShouldBe(LedgerStatus.NotFound);

        // Committed by the caller, then posted inside another caller transaction.
        Guid committed;
        await using (var connection = await database.OpenConnectionAsync())
        {
            await using var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, default);
            var tooMuch = await ledger.HoldAsync(new LedgerHold(user, LedgerAsset.Usd, 501, "joined-2", "x", _clock.GetUtcNow().AddMinutes(5)), connection, transaction);
            tooMuch.Status.ShouldBe(LedgerStatus.InsufficientFunds);
            var hold = await ledger.HoldAsync(new LedgerHold(user, LedgerAsset.Usd, 200, "joined-3", "x", _clock.GetUtcNow().AddMinutes(5)), connection, transaction);
            committed = hold.TransferId!.Value;
            await transaction.CommitAsync();
        }

        (await ledger.GetBalanceAsync(user, LedgerAsset.Usd)).ShouldBe(300, "the refused hold wrote nothing; the other one holds 200");
        await using (var connection = await database.OpenConnectionAsync())
        {
            await using var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, default);
            (await ledger.PostHoldAsync(committed, connection, transaction)).Succeeded.ShouldBeTrue();
            (await ledger.PostHoldAsync(committed, connection, transaction)).Status.ShouldBe(LedgerStatus.HoldNotPending);
            await transaction.CommitAsync();
        }

        (await ledger.VoidHoldAsync(committed)).Status.ShouldBe(LedgerStatus.HoldNotPending, "posted in the joined transaction");
        (await ledger.GetBalanceAsync(user, LedgerAsset.Usd)).ShouldBe(300);
        await ShouldBalanceAsync(ledger);
    }

    [SkippableFact]
    public async Task Hold_PastItsDeadline_IsVoidedByTheReaperAndCanNoLongerBePosted()
    {
        var (ledger, _) = await CreateAsync(batched: true);
        var user = Guid.NewGuid();
        await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Usd, 200, "g"));
        var expiring = await ledger.HoldAsync(new LedgerHold(user, LedgerAsset.Usd, 150, "h1", "x", _clock.GetUtcNow().AddMinutes(1)));
        var lasting = await ledger.HoldAsync(new LedgerHold(user, LedgerAsset.Usd, 50, "h2", "x", _clock.GetUtcNow().AddHours(1)));

        (await ledger.VoidExpiredHoldsAsync()).ShouldBe(0);
        _clock.Advance(TimeSpan.FromMinutes(2));
        var late = await ledger.PostHoldAsync(expiring.TransferId!.Value);
        var reaped = await ledger.VoidExpiredHoldsAsync();

        late.Status.ShouldBe(LedgerStatus.HoldNotPending, "a hold past its deadline cannot be posted");
        reaped.ShouldBe(1);
        (await ledger.GetBalanceAsync(user, LedgerAsset.Usd)).ShouldBe(150);
        (await ledger.PostHoldAsync(lasting.TransferId!.Value)).Succeeded.ShouldBeTrue();
        (await ledger.GetTransactionsAsync(user, LedgerAsset.Usd)).ShouldContain(t => t.TxType == "void" && t.Description == "Hold expired" && t.Amount == 150);
        await ShouldBalanceAsync(ledger);
    }

    [SkippableFact]
    public async Task Refund_16ConcurrentAttempts_ExactlyOneReturnsTheMoney()
    {
        var (ledger, _) = await CreateAsync(batched: true);
        var user = Guid.NewGuid();
        await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Usd, 200, "g"));
        var charge = await ledger.ChargeAsync(new LedgerCharge(user, LedgerAsset.Usd, 200, "order-1", "External proxy", "order-1", "purchase"));

        var refunds = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            ledger.RefundAsync(new LedgerRefund(charge.TransferId!.Value, $"refund-{i}", "Proxy offline")).AsTask()));

        refunds.Count(r => r.Succeeded).ShouldBe(1);
        refunds.Where(r => !r.Succeeded).ShouldAllBe(r => r.Status == LedgerStatus.AlreadyRefunded);
        (await ledger.GetBalanceAsync(user, LedgerAsset.Usd)).ShouldBe(200);
        await ShouldBalanceAsync(ledger);
    }

    [SkippableFact]
    public async Task Refund_OnlyOfChargesAndPostedHolds()
    {
        var (ledger, _) = await CreateAsync(batched: false);
        var user = Guid.NewGuid();
        var grant = await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Usd, 500, "g"));
        var pending = await ledger.HoldAsync(new LedgerHold(user, LedgerAsset.Usd, 100, "h1", "x", _clock.GetUtcNow().AddMinutes(5)));
        var posted = await ledger.HoldAsync(new LedgerHold(user, LedgerAsset.Usd, 100, "h2", "x", _clock.GetUtcNow().AddMinutes(5)));
        await ledger.PostHoldAsync(posted.TransferId!.Value);

        (await ledger.RefundAsync(new LedgerRefund(Guid.NewGuid(), "r0", "x"))).Status.ShouldBe(LedgerStatus.NotFound);
        (await ledger.RefundAsync(new LedgerRefund(grant.TransferId!.Value, "r1", "x"))).Status.ShouldBe(LedgerStatus.NotFound, "a grant is not a purchase");
        (await ledger.RefundAsync(new LedgerRefund(pending.TransferId!.Value, "r2", "x"))).Status.ShouldBe(LedgerStatus.HoldNotPending);
        var refunded = await ledger.RefundAsync(new LedgerRefund(posted.TransferId.Value, "r3", "x"));
        var replay = await ledger.RefundAsync(new LedgerRefund(posted.TransferId.Value, "r3", "x"));

        refunded.Succeeded.ShouldBeTrue();
        refunded.BalanceAfter.ShouldBe(400);
        replay.Replayed.ShouldBeTrue();
        await ShouldBalanceAsync(ledger);
    }

    [SkippableFact]
    public async Task Transactions_NewestFirstWithTheSeedsFields()
    {
        var (ledger, _) = await CreateAsync(batched: true);
        var user = Guid.NewGuid();
        await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Credits, 100, "g"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        await ledger.ChargeAsync(new LedgerCharge(user, LedgerAsset.Credits, 1, "a1", "Proxy acquired: 203.0.113.42:8080", TxType: "acquire"));

        var transactions = await ledger.GetTransactionsAsync(user, LedgerAsset.Credits);

        transactions.Select(t => (t.Amount, t.TxType, t.Description)).ShouldBe([(-1L, "acquire", "Proxy acquired: 203.0.113.42:8080"), (100L, "purchase", "Credit purchase")]);
        transactions[0].CreatedAt.ShouldBe(_clock.GetUtcNow(), TimeSpan.FromMilliseconds(1));
        transactions[0].BalanceAfter.ShouldBe(99);
        (await ledger.GetTransactionsAsync(Guid.NewGuid(), LedgerAsset.Credits)).ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task BadRequests_ThrowBeforeTouchingTheDatabase()
    {
        var (ledger, _) = await CreateAsync(batched: true);
        var user = Guid.NewGuid();

        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await ledger.ChargeAsync(new LedgerCharge(user, LedgerAsset.Credits, 0, "k", "x")));
        await Should.ThrowAsync<ArgumentException>(async () => await ledger.ChargeAsync(new LedgerCharge(user, LedgerAsset.Credits, 1, " ", "x")));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Credits, -5, "k")));
        (await ledger.ChargeAsync(new LedgerCharge(user, LedgerAsset.Credits, 1, "k", "x"))).Status.ShouldBe(LedgerStatus.InsufficientFunds, "an account never credited has nothing");
    }

    protected override async Task DisposeResourcesAsync()
    {
        foreach (var ledger in _ledgers)
        {
            await ledger.DisposeAsync();
        }
    }

    private static async Task ShouldBalanceAsync(CreditLedger ledger)
    {
        var audit = await ledger.AuditAsync();
        audit.Problems.ShouldBeEmpty();
        audit.Transfers.ShouldBeGreaterThan(0);
    }

    private async Task<(CreditLedger Ledger, ProxyKitDatabase Database)> CreateAsync(bool batched)
    {
        var database = await CreateProxyKitDatabaseAsync();
        await new MigrationRunner(database, [MigrationModule.FromAssembly("accounts", typeof(CreditLedger).Assembly)], TimeProvider.System).RunAsync();
        return (Ledger(database, batched), database);
    }

    private CreditLedger Ledger(ProxyKitDatabase database, bool batched)
    {
        var ledger = new CreditLedger(database, Options.Create(new AccountsOptions { BatchCharges = batched }), _clock);
        _ledgers.Add(ledger);
        return ledger;
    }
}

public sealed class SqliteCreditLedgerTests() : CreditLedgerContractTests(TestEngine.Sqlite);

public sealed class PostgresCreditLedgerTests() : CreditLedgerContractTests(TestEngine.Postgres);
