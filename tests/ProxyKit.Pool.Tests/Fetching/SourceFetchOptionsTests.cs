using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Fetching;

namespace ProxyKit.Pool.Tests.Fetching;

public sealed class SourceFetchOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedOnesAndValid()
    {
        using var provider = new ServiceCollection().AddProxyKitPool().Services.BuildServiceProvider();

        var fetch = provider.GetRequiredService<IOptions<PoolOptions>>().Value.Fetch;

        fetch.AttemptTimeout.ShouldBe(TimeSpan.FromSeconds(30));
        fetch.TotalTimeout.ShouldBe(TimeSpan.FromSeconds(90));
        fetch.MaxRetries.ShouldBe(2);
        fetch.RetryBaseDelay.ShouldBe(TimeSpan.FromSeconds(1));
        fetch.MaxRetryDelay.ShouldBe(TimeSpan.FromSeconds(30));
        fetch.MaxResponseBytes.ShouldBe(50L * 1024 * 1024);
        fetch.BreakerFailureRatio.ShouldBe(0.5);
        fetch.BreakerMinimumThroughput.ShouldBe(5);
        fetch.BreakerSamplingDuration.ShouldBe(TimeSpan.FromSeconds(60));
        fetch.BreakDuration.ShouldBe(TimeSpan.FromSeconds(60));
        fetch.AllowPrivateAddresses.ShouldBeFalse();
        fetch.UserAgent.ShouldMatch(@"^ProxyKit/\d+\.\d+\.\d+ \(\+https://github\.com/proxykit\)$");
        provider.GetRequiredService<SourceFetcher>().ShouldNotBeNull();
    }

    [Fact]
    public void ConfigurationSection_BindsFetchSettings()
    {
        using var provider = new ServiceCollection()
            .AddProxyKitPool(Configuration(("Fetch:AttemptTimeout", "00:00:05"), ("Fetch:MaxRetries", "4"), ("Fetch:AllowPrivateAddresses", "true"), ("Fetch:UserAgent", "Test/1.0")))
            .Services.BuildServiceProvider();

        var fetch = provider.GetRequiredService<IOptions<PoolOptions>>().Value.Fetch;

        fetch.AttemptTimeout.ShouldBe(TimeSpan.FromSeconds(5));
        fetch.MaxRetries.ShouldBe(4);
        fetch.AllowPrivateAddresses.ShouldBeTrue();
        fetch.UserAgent.ShouldBe("Test/1.0");
        fetch.TotalTimeout.ShouldBe(TimeSpan.FromSeconds(90));
    }

    [Theory]
    [InlineData("AttemptTimeout", "00:00:00", "ProxyKit:Pool:Fetch:AttemptTimeout must be between")]
    [InlineData("AttemptTimeout", "-00:00:01", "ProxyKit:Pool:Fetch:AttemptTimeout must be between")]
    [InlineData("TotalTimeout", "00:00:00", "ProxyKit:Pool:Fetch:TotalTimeout must be between")]
    [InlineData("TotalTimeout", "00:00:10", "ProxyKit:Pool:Fetch:TotalTimeout (00:00:10) must not be less than ProxyKit:Pool:Fetch:AttemptTimeout")]
    [InlineData("MaxRetries", "-1", "ProxyKit:Pool:Fetch:MaxRetries must be between 0 and 10")]
    [InlineData("MaxRetries", "11", "ProxyKit:Pool:Fetch:MaxRetries must be between 0 and 10")]
    [InlineData("RetryBaseDelay", "-00:00:01", "ProxyKit:Pool:Fetch:RetryBaseDelay must be between")]
    [InlineData("MaxRetryDelay", "00:00:00.5", "ProxyKit:Pool:Fetch:MaxRetryDelay (00:00:00.5000000) must not be less than ProxyKit:Pool:Fetch:RetryBaseDelay")]
    [InlineData("MaxResponseBytes", "0", "ProxyKit:Pool:Fetch:MaxResponseBytes must be positive")]
    [InlineData("BreakerFailureRatio", "0", "ProxyKit:Pool:Fetch:BreakerFailureRatio must be greater than 0 and at most 1")]
    [InlineData("BreakerFailureRatio", "1.5", "ProxyKit:Pool:Fetch:BreakerFailureRatio must be greater than 0 and at most 1")]
    [InlineData("BreakerFailureRatio", "NaN", "ProxyKit:Pool:Fetch:BreakerFailureRatio must be greater than 0 and at most 1")]
    [InlineData("BreakerMinimumThroughput", "1", "ProxyKit:Pool:Fetch:BreakerMinimumThroughput must be between 2 and 10000")]
    [InlineData("BreakerSamplingDuration", "00:00:00.1", "ProxyKit:Pool:Fetch:BreakerSamplingDuration must be between")]
    [InlineData("BreakDuration", "2.00:00:00", "ProxyKit:Pool:Fetch:BreakDuration must be between")]
    [InlineData("UserAgent", "bad\nagent", "ProxyKit:Pool:Fetch:UserAgent must be a valid User-Agent header value")]
    [InlineData("UserAgent", " ", "ProxyKit:Pool:Fetch:UserAgent must be a valid User-Agent header value")]
    public void InvalidSetting_FailsValidationNamingIt(string name, string value, string expected) =>
        OptionsFail<OptionsValidationException>(services => services.AddProxyKitPool(Configuration(($"Fetch:{name}", value)))).Message.ShouldContain(expected);

    [Fact]
    public void UnknownFetchKey_FailsNamingIt() =>
        OptionsFail<InvalidOperationException>(services => services.AddProxyKitPool(Configuration(("Fetch:AttemptTimout", "00:00:05")))).Message.ShouldContain("AttemptTimout");

    [Fact]
    public void NullFetch_FailsValidationNamingIt() =>
        OptionsFail<OptionsValidationException>(services => services.AddProxyKitPool(o => o.Fetch = null!)).Message.ShouldContain("ProxyKit:Pool:Fetch must not be null");

    [Fact]
    public void SeveralInvalidSettings_AreAllReported()
    {
        var error = OptionsFail<OptionsValidationException>(services => services.AddProxyKitPool(o =>
        {
            o.Fetch.MaxRetries = 99;
            o.Fetch.MaxResponseBytes = -1;
        }));

        error.Failures.ShouldContain(f => f.Contains("ProxyKit:Pool:Fetch:MaxRetries", StringComparison.Ordinal));
        error.Failures.ShouldContain(f => f.Contains("ProxyKit:Pool:Fetch:MaxResponseBytes", StringComparison.Ordinal));
    }

    // Start-up validation itself (ValidateOnStart) is covered by DependencyInjectionTests; these read the options directly.
    private static TException OptionsFail<TException>(Action<IServiceCollection> configure)
        where TException : Exception
    {
        var services = new ServiceCollection();
        configure(services);
        using var provider = services.BuildServiceProvider();
        return Should.Throw<TException>(() => provider.GetRequiredService<IOptions<PoolOptions>>().Value);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
