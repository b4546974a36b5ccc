using System.Globalization;

namespace ProxyKit.ProviderEmulator;

/// <summary>One proxy of the emulated provider's inventory.</summary>
public sealed record EmulatedProxy(long ProxyId, string Country, string CountryCode, string City, string Isp, int Speed, bool Mobile, bool Hosting)
{
    /// <summary>Gets or sets the provider-side status (1 = online).</summary>
    public int Status { get; set; } = 1;

    /// <summary>Gets or sets whether it has been sold.</summary>
    public bool Sold { get; set; }

    /// <summary>Gets the type filter value.</summary>
    public string Type => Mobile ? "mobile" : Hosting ? "hosting" : "residential";
}

/// <summary>One sale.</summary>
public sealed record EmulatedPurchase(long CredentialsId, long ProxyId, string Ip, int Port, string Login, string Password, DateTimeOffset BoughtAt)
{
    /// <summary>Gets or sets the status of the bought proxy (1 = online).</summary>
    public int Status { get; set; } = 1;
}

/// <summary>Faults to inject; every field has a harmless default. Setting faults replaces all of them.</summary>
public sealed record EmulatorFaults
{
    /// <summary>Gets the delay before answering a list call, in milliseconds.</summary>
    public int ListLatencyMs { get; init; }

    /// <summary>Gets the delay before answering a buy, in milliseconds.</summary>
    public int BuyLatencyMs { get; init; }

    /// <summary>Gets a status every list call answers with (0 = normal).</summary>
    public int ListStatus { get; init; }

    /// <summary>Gets how many pages succeed; later pages answer 500 (null = all succeed).</summary>
    public int? ListFailAfterPages { get; init; }

    /// <summary>Gets whether pages carry fewer items than page_size while total says more.</summary>
    public bool TruncatePages { get; init; }

    /// <summary>Gets how many of the next authorised API requests answer 429 with <c>Retry-After: 1</c>.</summary>
    public int RateLimitNext { get; init; }

    /// <summary>Gets the buy behaviour: ok, error_before_sale, error_after_sale, timeout_after_sale, insufficient_balance.</summary>
    public string BuyMode { get; init; } = "ok";
}

/// <summary>Resets the emulator; null fields keep their defaults (inventory 1000, seed 1, balance 1000.00, token "test-token").</summary>
public sealed record EmulatorReset(int? Inventory = null, int? Seed = null, decimal? Balance = null, string? Token = null);

/// <summary>Counts exposed by <c>GET /_emulator/state</c>.</summary>
public sealed record EmulatorSnapshot(int Inventory, int Online, int Sold, decimal Balance, int BuysAttempted, int Requests, int Purchases);

/// <summary>The emulated provider's in-memory state. Thread-safe: every member takes the lock.</summary>
public sealed class EmulatorState(TimeProvider timeProvider)
{
    private static readonly (string Code, string Country, string[] Cities, string[] Isps)[] Countries =
    [
        ("US", "United States", ["New York", "Los Angeles", "Chicago", "Dallas", "Miami"], ["AT&T", "Comcast", "Verizon", "Charter"]),
        ("DE", "Germany", ["Berlin", "Frankfurt", "Munich", "Hamburg"], ["Deutsche Telekom", "Vodafone", "O2"]),
        ("GB", "United Kingdom", ["London", "Manchester", "Birmingham"], ["BT", "Virgin Media", "Sky"]),
        ("FR", "France", ["Paris", "Lyon", "Marseille"], ["Orange", "Free", "SFR"]),
        ("NL", "Netherlands", ["Amsterdam", "Rotterdam"], ["KPN", "Ziggo"]),
        ("CA", "Canada", ["Toronto", "Montreal", "Vancouver"], ["Rogers", "Bell"]),
        ("JP", "Japan", ["Tokyo", "Osaka"], ["NTT", "KDDI"]),
        ("BR", "Brazil", ["Sao Paulo", "Rio de Janeiro"], ["Claro", "Vivo"]),
    ];

    private readonly Lock _lock = new();
    private List<EmulatedProxy> _proxies = [];
    private List<EmulatedPurchase> _purchases = [];
    private Random _random = new(1);
    private long _nextCredentialsId = 1;
    private int _buysAttempted;
    private int _requests;
    private int _rateLimitLeft;
    private EmulatorFaults _faults = new();

    /// <summary>Gets the price of one proxy.</summary>
    public decimal Price { get; } = 1.00m;

    /// <summary>Gets the accepted API token.</summary>
    public string Token { get { lock (_lock) { return field; } } private set; } = "test-token";

    /// <summary>Gets the account balance.</summary>
    public decimal Balance { get { lock (_lock) { return field; } } private set; } = 1000.00m;

    /// <summary>Gets the current faults.</summary>
    public EmulatorFaults Faults { get { lock (_lock) { return _faults; } } }

    /// <summary>Clears everything and seeds a new inventory.</summary>
    public void Reset(EmulatorReset reset)
    {
        ArgumentNullException.ThrowIfNull(reset);
        lock (_lock)
        {
            var seed = reset.Seed ?? 1;
            var random = new Random(seed);
            var proxies = new List<EmulatedProxy>(reset.Inventory ?? 1000);
            for (var i = 0; i < (reset.Inventory ?? 1000); i++)
            {
                var (code, country, cities, isps) = Countries[random.Next(Countries.Length)];
                var kind = random.Next(10);
                var mobile = kind == 0;
                var hosting = kind is 1 or 2;
                proxies.Add(new EmulatedProxy(1000 + i, country, code, cities[random.Next(cities.Length)], isps[random.Next(isps.Length)],
                    random.Next(50, 1000), mobile, hosting) { Status = random.Next(20) == 0 ? 0 : 1 });
            }

            _proxies = proxies;
            _purchases = [];
            _random = random;
            _nextCredentialsId = 1;
            _buysAttempted = 0;
            _requests = 0;
            _rateLimitLeft = 0;
            _faults = new EmulatorFaults();
            Balance = reset.Balance ?? 1000.00m;
            Token = reset.Token ?? "test-token";
        }
    }

    /// <summary>Replaces the faults.</summary>
    public void SetFaults(EmulatorFaults faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        lock (_lock)
        {
            _faults = faults;
            _rateLimitLeft = faults.RateLimitNext;
        }
    }

    /// <summary>Counts one authorised request; returns true when it must be answered 429.</summary>
    public bool CountRequestAndRateLimit()
    {
        lock (_lock)
        {
            _requests++;
            if (_rateLimitLeft > 0)
            {
                _rateLimitLeft--;
                return true;
            }

            return false;
        }
    }

    /// <summary>Lists one page of online, unsold proxies matching the filters, ordered by id.</summary>
    public (List<EmulatedProxy> Items, int Total) List(string? countryCode, string? city, string? type, int page, int pageSize, bool truncate)
    {
        lock (_lock)
        {
            var matching = _proxies.Where(p => p.Status == 1 && !p.Sold
                && (string.IsNullOrEmpty(countryCode) || string.Equals(p.CountryCode, countryCode, StringComparison.OrdinalIgnoreCase))
                && (string.IsNullOrEmpty(city) || string.Equals(p.City, city, StringComparison.OrdinalIgnoreCase))
                && (string.IsNullOrEmpty(type) || string.Equals(p.Type, type, StringComparison.OrdinalIgnoreCase)))
                .ToList();
            var items = matching.Skip(page * pageSize).Take(truncate ? Math.Max(1, pageSize / 2) : pageSize).Select(p => p with { }).ToList();
            return (items, matching.Count);
        }
    }

    /// <summary>Counts one buy attempt.</summary>
    public void CountBuyAttempt()
    {
        lock (_lock)
        {
            _buysAttempted++;
        }
    }

    /// <summary>Sells a proxy: the result names the outcome ("ok", "not_found", "sold_out", "insufficient_balance").</summary>
    public (string Outcome, EmulatedPurchase? Purchase) Buy(long proxyId)
    {
        lock (_lock)
        {
            var proxy = _proxies.Find(p => p.ProxyId == proxyId);
            if (proxy is null)
            {
                return ("not_found", null);
            }

            if (proxy.Sold || proxy.Status != 1)
            {
                return ("sold_out", null);
            }

            if (Balance < Price)
            {
                return ("insufficient_balance", null);
            }

            Balance -= Price;
            proxy.Sold = true;
            var id = _nextCredentialsId++;
            var purchase = new EmulatedPurchase(id, proxyId, "127.0.0.1", 1080, "user" + id.ToString(CultureInfo.InvariantCulture),
                Convert.ToHexStringLower(BitConverter.GetBytes(_random.NextInt64())), timeProvider.GetUtcNow());
            _purchases.Add(purchase);
            return ("ok", purchase with { });
        }
    }

    /// <summary>Lists purchases made at or after <paramref name="since"/>.</summary>
    public List<EmulatedPurchase> Purchased(DateTimeOffset? since)
    {
        lock (_lock)
        {
            return _purchases.Where(p => since is null || p.BoughtAt >= since).Select(p => p with { }).ToList();
        }
    }

    /// <summary>Gets one purchase.</summary>
    public EmulatedPurchase? FindPurchase(long credentialsId)
    {
        lock (_lock)
        {
            return _purchases.Find(p => p.CredentialsId == credentialsId) is { } p ? p with { } : null;
        }
    }

    /// <summary>Sets a bought proxy's status; false when there is no such purchase.</summary>
    public bool SetPurchasedStatus(long credentialsId, int status)
    {
        lock (_lock)
        {
            var purchase = _purchases.Find(p => p.CredentialsId == credentialsId);
            if (purchase is null)
            {
                return false;
            }

            purchase.Status = status;
            return true;
        }
    }

    /// <summary>Sets a proxy's provider-side status; false when there is no such proxy.</summary>
    public bool SetProxyStatus(long proxyId, int status)
    {
        lock (_lock)
        {
            var proxy = _proxies.Find(p => p.ProxyId == proxyId);
            if (proxy is null)
            {
                return false;
            }

            proxy.Status = status;
            return true;
        }
    }

    /// <summary>Gets the counts.</summary>
    public EmulatorSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new EmulatorSnapshot(_proxies.Count, _proxies.Count(p => p.Status == 1 && !p.Sold), _proxies.Count(p => p.Sold),
                Balance, _buysAttempted, _requests, _purchases.Count);
        }
    }
}
