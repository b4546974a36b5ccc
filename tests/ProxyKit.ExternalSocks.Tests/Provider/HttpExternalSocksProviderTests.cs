using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ProxyKit.ExternalSocks.Provider;
using ProxyKit.ProviderEmulator;

namespace ProxyKit.ExternalSocks.Tests.Provider;

public sealed class HttpExternalSocksProviderTests : IAsyncLifetime
{
    private const string Token = "s3cr3t-emulator-token-4f1c";

    private readonly List<ServiceProvider> _containers = [];
    private ProviderEmulatorHost _emulator = null!;

    public async Task InitializeAsync() => _emulator = await ProviderEmulatorHost.StartAsync(inventory: 300, seed: 7, token: Token);

    public async Task DisposeAsync()
    {
        foreach (var container in _containers)
        {
            await container.DisposeAsync();
        }

        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task ListOnlineAsync_Filters_ReturnsMatchingPagesOrderedById()
    {
        var (provider, _) = Create();

        var first = await provider.ListOnlineAsync(new ProviderListQuery(CountryCode: "us", PageSize: 10));
        var second = await provider.ListOnlineAsync(new ProviderListQuery(CountryCode: "US", Page: 1, PageSize: 10));
        var mobile = await provider.ListOnlineAsync(new ProviderListQuery(Type: "mobile", PageSize: 1000));
        var city = await provider.ListOnlineAsync(new ProviderListQuery(City: "Berlin", PageSize: 1000));

        first.Items.Count.ShouldBe(10);
        first.Total.ShouldBeGreaterThan(10);
        first.Items.ShouldAllBe(p => p.CountryCode == "US" && p.Country == "United States" && p.Status == 1);
        first.Items.Select(p => p.ProxyId).ShouldBeInOrder(SortDirection.Ascending);
        second.Items[0].ProxyId.ShouldBeGreaterThan(first.Items[^1].ProxyId);
        mobile.Items.ShouldNotBeEmpty();
        mobile.Items.ShouldAllBe(p => p.Mobile && p.Type == "mobile");
        mobile.Items.Count.ShouldBe(mobile.Total);
        city.Items.ShouldNotBeEmpty();
        city.Items.ShouldAllBe(p => p.City == "Berlin" && p.CountryCode == "DE");
    }

    [Fact]
    public async Task BuyAsync_Online_ReturnsCredentialsAndChargesBalance()
    {
        var (provider, _) = Create();
        var proxy = (await provider.ListOnlineAsync(new ProviderListQuery(PageSize: 1))).Items[0];
        var before = await provider.GetBalanceAsync();

        var purchase = await provider.BuyAsync(proxy.ProxyId);

        purchase.ProxyId.ShouldBe(proxy.ProxyId);
        purchase.CredentialsId.ShouldBeGreaterThan(0);
        purchase.Ip.ShouldBe("127.0.0.1");
        purchase.Port.ShouldBe(1080);
        purchase.Login.ShouldNotBeNullOrEmpty();
        purchase.Password.ShouldNotBeNullOrEmpty();
        purchase.ToString().ShouldNotContain(purchase.Password);
        (await provider.GetBalanceAsync()).ShouldBe(before - 1.00m);
        (await provider.GetPurchasedStatusAsync(purchase.CredentialsId)).ShouldBe(1);
        (await provider.ListOnlineAsync(new ProviderListQuery(PageSize: 1000))).Items.ShouldNotContain(p => p.ProxyId == proxy.ProxyId);

        _emulator.State.SetPurchasedStatus(purchase.CredentialsId, 0);
        (await provider.GetPurchasedStatusAsync(purchase.CredentialsId)).ShouldBe(0);
        var purchased = await provider.ListPurchasedAsync(purchase.BoughtAt.AddSeconds(-1));
        purchased.ShouldHaveSingleItem().CredentialsId.ShouldBe(purchase.CredentialsId);
        (await provider.ListPurchasedAsync(purchase.BoughtAt.AddMinutes(1))).ShouldBeEmpty();
    }

    [Fact]
    public async Task Calls_BaseUrlNotSet_FailNotConfigured()
    {
        var (provider, _) = Create(o => o.BaseUrl = null);

        var error = await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.GetBalanceAsync());

        error.Kind.ShouldBe(ProviderErrorKind.NotConfigured);
        error.Message.ShouldBe("ExternalSocks client not initialized: set ProxyKit:ExternalSocks:BaseUrl");
        error.IsTransient.ShouldBeFalse();
    }

    [Fact]
    public async Task Calls_WrongToken_FailUnauthorizedWithoutTheToken()
    {
        const string wrong = "wr0ng-token-value-9d2e";
        var (provider, logs) = Create(o => o.ApiToken = wrong);

        var error = await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.ListOnlineAsync(new ProviderListQuery()));

        error.Kind.ShouldBe(ProviderErrorKind.Unauthorized);
        error.ToString().ShouldNotContain(wrong);
        logs.Lines.ShouldNotContain(l => l.Contains(wrong, StringComparison.Ordinal));
        _emulator.State.Snapshot().Requests.ShouldBe(0, "a 401 is not retried (and not counted by the emulator)");
    }

    [Fact]
    public async Task BuyAsync_ErrorKinds_MapToInsufficientBalanceSoldOutAndNotFound()
    {
        var (provider, _) = Create();
        var ids = (await provider.ListOnlineAsync(new ProviderListQuery(PageSize: 2))).Items.Select(p => p.ProxyId).ToArray();
        await provider.BuyAsync(ids[0]);

        (await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.BuyAsync(ids[0]))).Kind.ShouldBe(ProviderErrorKind.SoldOut);
        (await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.BuyAsync(999_999))).Kind.ShouldBe(ProviderErrorKind.NotFound);
        (await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.GetPurchasedStatusAsync(999_999))).Kind.ShouldBe(ProviderErrorKind.NotFound);
        _emulator.State.SetProxyStatus(ids[1], 0);
        (await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.BuyAsync(ids[1]))).Kind.ShouldBe(ProviderErrorKind.SoldOut);

        await _emulator.ResetAsync(new EmulatorReset(Inventory: 10, Seed: 7, Balance: 0.50m, Token: Token));
        var error = await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.BuyAsync(1000));
        error.Kind.ShouldBe(ProviderErrorKind.InsufficientBalance);
        error.Message.ShouldContain("insufficient balance on external API");
        _emulator.State.Snapshot().Sold.ShouldBe(0);
    }

    [Fact]
    public async Task ListOnlineAsync_TwoRateLimitedAnswers_RetriesAfterRetryAfterAndSucceeds()
    {
        var (provider, logs) = Create();
        using (var http = new HttpClient { BaseAddress = _emulator.RootUrl })
        {
            using var response = await http.PostAsJsonAsync("_emulator/faults", new Dictionary<string, object> { ["rate_limit_next"] = 2 });
            response.EnsureSuccessStatusCode();
        }

        var started = TimeProvider.System.GetTimestamp();
        var page = await provider.ListOnlineAsync(new ProviderListQuery(PageSize: 5));

        page.Items.Count.ShouldBe(5);
        _emulator.State.Snapshot().Requests.ShouldBe(3);
        TimeProvider.System.GetElapsedTime(started).ShouldBeGreaterThan(TimeSpan.FromSeconds(1.8), "Retry-After: 1 is honoured twice");
        logs.Lines.Count(l => l.Contains("[7050]", StringComparison.Ordinal)).ShouldBe(2);
    }

    [Fact]
    public async Task ListOnlineAsync_ProviderFails_UnavailableAfterRetries()
    {
        var (provider, _) = Create();
        await _emulator.SetFaultsAsync(new EmulatorFaults { ListStatus = 500 });

        var error = await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.ListOnlineAsync(new ProviderListQuery()));

        error.Kind.ShouldBe(ProviderErrorKind.Unavailable);
        error.IsTransient.ShouldBeTrue();
        _emulator.State.Snapshot().Requests.ShouldBe(4, "one attempt and three retries");
    }

    [Fact]
    public async Task BuyAsync_ErrorBeforeSale_OutcomeUnknownAttemptedOnceAndNothingSold()
    {
        var (provider, _) = Create();
        await _emulator.SetFaultsAsync(new EmulatorFaults { BuyMode = "error_before_sale" });

        var error = await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.BuyAsync(1000));

        error.Kind.ShouldBe(ProviderErrorKind.OutcomeUnknown, "a 5xx after sending is ambiguous by design");
        var state = _emulator.State.Snapshot();
        state.BuysAttempted.ShouldBe(1);
        state.Sold.ShouldBe(0);
        (await provider.ListPurchasedAsync(null)).ShouldBeEmpty();
    }

    [Fact]
    public async Task BuyAsync_ErrorAfterSale_OutcomeUnknownAttemptedOnceAndSold()
    {
        var (provider, _) = Create();
        await _emulator.SetFaultsAsync(new EmulatorFaults { BuyMode = "error_after_sale" });

        (await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.BuyAsync(1000))).Kind.ShouldBe(ProviderErrorKind.OutcomeUnknown);

        _emulator.State.Snapshot().BuysAttempted.ShouldBe(1);
        (await provider.ListPurchasedAsync(null)).ShouldHaveSingleItem().ProxyId.ShouldBe(1000);
    }

    [Fact]
    public async Task BuyAsync_TimeoutAfterSale_OutcomeUnknownAndListPurchasedShowsTheSale()
    {
        var (provider, _) = Create(o => o.TimeoutSeconds = 1);
        var proxy = (await provider.ListOnlineAsync(new ProviderListQuery(PageSize: 1))).Items[0];
        var since = TimeProvider.System.GetUtcNow().AddSeconds(-5);
        await _emulator.SetFaultsAsync(new EmulatorFaults { BuyMode = "timeout_after_sale" });

        var error = await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.BuyAsync(proxy.ProxyId));

        error.Kind.ShouldBe(ProviderErrorKind.OutcomeUnknown);
        error.IsTransient.ShouldBeFalse();
        _emulator.State.Snapshot().BuysAttempted.ShouldBe(1);
        (await provider.ListPurchasedAsync(since)).ShouldHaveSingleItem().ProxyId.ShouldBe(proxy.ProxyId);
    }

    [Fact]
    public async Task BuyAsync_ConnectionRefused_UnavailableNotOutcomeUnknown()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var (provider, _) = Create(o => o.BaseUrl = new Uri($"http://127.0.0.1:{port}/api/v1/authorized/"));

        var error = await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.BuyAsync(1000));

        error.Kind.ShouldBe(ProviderErrorKind.Unavailable);
    }

    [Fact]
    public async Task Calls_RepeatedFailures_OpenTheCircuitAndFailWithoutReachingTheProvider()
    {
        var (provider, logs) = Create();
        await _emulator.SetFaultsAsync(new EmulatorFaults { ListStatus = 503 });

        await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.ListOnlineAsync(new ProviderListQuery()));
        await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.ListOnlineAsync(new ProviderListQuery()));
        var reached = _emulator.State.Snapshot().Requests;
        var listError = await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.ListOnlineAsync(new ProviderListQuery()));
        var buyError = await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.BuyAsync(1000));

        reached.ShouldBe(5, "the fifth failure opens the circuit (minimum throughput 5)");
        listError.Kind.ShouldBe(ProviderErrorKind.Unavailable);
        listError.Message.ShouldContain("circuit is open");
        buyError.Kind.ShouldBe(ProviderErrorKind.Unavailable, "an open circuit sends nothing, so nothing was bought");
        _emulator.State.Snapshot().Requests.ShouldBe(reached);
        _emulator.State.Snapshot().BuysAttempted.ShouldBe(0);
        logs.Lines.ShouldContain(l => l.Contains("[7051]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Calls_Failing_NeverPutTheTokenInExceptionsOrLogs()
    {
        var (provider, logs) = Create(o => o.TimeoutSeconds = 1);
        var errors = new List<Exception>();
        await _emulator.SetFaultsAsync(new EmulatorFaults { RateLimitNext = 1, ListFailAfterPages = 0, BuyMode = "timeout_after_sale" });
        errors.Add(await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.ListOnlineAsync(new ProviderListQuery())));
        errors.Add(await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.BuyAsync(1000)));
        await _emulator.SetFaultsAsync(new EmulatorFaults { BuyMode = "error_after_sale" });
        errors.Add(await Should.ThrowAsync<ExternalSocksProviderException>(() => provider.BuyAsync(1001)));

        logs.Lines.ShouldNotBeEmpty();
        logs.Lines.ShouldNotContain(l => l.Contains(Token, StringComparison.Ordinal));
        errors.ShouldAllBe(e => !e.ToString().Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddProvider_SecondProvider_IsListedAndCallable()
    {
        var logs = new ListLoggerProvider();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(logs));
        services.AddProxyKitExternalSocks().AddProvider("second", o =>
        {
            o.BaseUrl = _emulator.BaseUrl;
            o.ApiToken = Token;
        });
        var container = services.BuildServiceProvider();
        _containers.Add(container);
        var providers = container.GetRequiredService<IExternalSocksProviders>();

        providers.All.Select(p => p.Name).ShouldBe(["default", "second"]);
        (await providers.GetRequired("SECOND").GetBalanceAsync()).ShouldBe(1000.00m);
        (await Should.ThrowAsync<ExternalSocksProviderException>(() => providers.Default.GetBalanceAsync())).Kind.ShouldBe(ProviderErrorKind.NotConfigured);
        providers.TryGet("third", out _).ShouldBeFalse();
        Should.Throw<ArgumentException>(() => services.AddProxyKitExternalSocks().AddProvider("second", _ => { }));
    }

    private (IExternalSocksProvider Provider, ListLoggerProvider Logs) Create(Action<ExternalSocksOptions>? configure = null)
    {
        var logs = new ListLoggerProvider();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddProxyKitExternalSocks(o =>
        {
            o.BaseUrl = _emulator.BaseUrl;
            o.ApiToken = Token;
            configure?.Invoke(o);
        });
        var container = services.BuildServiceProvider();
        _containers.Add(container);
        return (container.GetRequiredService<IExternalSocksProvider>(), logs);
    }
}
