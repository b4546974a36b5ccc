using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Scraping;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Secrets;
using ProxyKit.Testing;

namespace ProxyKit.Pool.Tests.Scraping;

public sealed class ScrapingOptionsTests
{
    [Theory]
    [InlineData("PollInterval")]
    [InlineData("MaxConcurrentScrapes")]
    [InlineData("WorkerId")]
    [InlineData("CursorLifetime")]
    [InlineData("ClaimDuration")]
    public Task AddScrapeWorker_InvalidSetting_HostFailsAtStartNamingIt(string setting) =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services =>
            {
                services.AddProxyKitSecrets().Configure<SecretsOptions>(o => o.Key = PoolHarness.SecretKey);
                services.AddProxyKitPool(o => Break(o, setting)).AddScrapeWorker();
            },
            "ProxyKit:Pool:Scraping:" + setting);

    [Fact]
    public void ScrapingOptions_Defaults_AreDocumentedValuesAndValid()
    {
        var options = new PoolOptions();

        options.Scraping.PollInterval.ShouldBe(TimeSpan.FromSeconds(15));
        options.Scraping.ClaimDuration.ShouldBe(TimeSpan.FromMinutes(10));
        options.Scraping.MaxConcurrentScrapes.ShouldBe(4);
        options.Scraping.CursorLifetime.ShouldBe(TimeSpan.FromHours(1));
        options.Scraping.WorkerId.ShouldContain(Environment.MachineName);
        options.Scraping.WorkerId.ShouldNotBe(new PoolOptions().Scraping.WorkerId, "two hosts on one machine get distinct ids");
        new ScrapingOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public void AddScrapeWorker_CalledTwice_OneWorker()
    {
        var services = new ServiceCollection();

        services.AddProxyKitPool().AddScrapeWorker().AddScrapeWorker();
        services.AddProxyKitPool().AddScrapeWorker();

        services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(ScrapeWorker)).ShouldBe(1);
    }

    private static void Break(PoolOptions options, string setting)
    {
        var scraping = options.Scraping;
        switch (setting)
        {
            case "PollInterval":
                scraping.PollInterval = TimeSpan.Zero;
                break;
            case "MaxConcurrentScrapes":
                scraping.MaxConcurrentScrapes = 0;
                break;
            case "WorkerId":
                scraping.WorkerId = " ";
                break;
            case "CursorLifetime":
                scraping.CursorLifetime = TimeSpan.FromSeconds(30);
                break;
            default:
                scraping.ClaimDuration = options.Fetch.TotalTimeout;
                break;
        }
    }
}
