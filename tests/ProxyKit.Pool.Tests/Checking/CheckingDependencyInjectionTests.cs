using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Checking;
using ProxyKit.Testing;

namespace ProxyKit.Pool.Tests.Checking;

public sealed class CheckingDependencyInjectionTests
{
    [Fact]
    public void CheckingOptions_Defaults_AreDocumentedValues()
    {
        var options = new CheckingOptions();

        options.CheckTimeout.ShouldBe(TimeSpan.FromSeconds(10));
        options.MaxConcurrentChecks.ShouldBe(1000);
        options.JudgeUrls.ShouldBeEmpty();
        options.OwnAddresses.ShouldBeEmpty();
        options.GeoDatabasePath.ShouldBeNull();
        options.MaxJudgeBodyBytes.ShouldBe(65536);
    }

    [Fact]
    public Task AddChecker_TwoCheckersWithOneName_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => WithKey(services).AddProxyKitPool().AddChecker(_ => new DelegateProxyChecker("TCP_CONNECT", 1, 0, Pass)),
            "'tcp_connect' is registered 2 times");

    [Fact]
    public void AddChecker_Generic_RegistersOnceAndRunsInItsStage()
    {
        var services = new ServiceCollection();
        services.AddProxyKitPool().AddChecker<GeoBlockChecker>().AddChecker<GeoBlockChecker>();
        using var provider = services.BuildServiceProvider();

        provider.GetServices<IProxyChecker>().Count(c => c is GeoBlockChecker).ShouldBe(1);
        provider.GetRequiredService<ProxyCheckRunner>().Checkers.Select(c => c.Name)
            .ShouldBe(["tcp_connect", "protocol_handshake", "http_anonymity", "geo_block"]);
        provider.GetRequiredService<IOptions<PoolOptions>>().Value.ShouldNotBeNull();
    }

    [Fact]
    public void AddChecker_Delegate_IsAdapted()
    {
        var services = new ServiceCollection();
        services.AddProxyKitPool().AddChecker("custom", 0, 0, Pass);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ProxyCheckRunner>().Checkers.First().Name.ShouldBe("custom");
    }

    [Theory]
    [InlineData("CheckTimeout", "ProxyKit:Pool:Checking:CheckTimeout")]
    [InlineData("MaxConcurrentChecks", "ProxyKit:Pool:Checking:MaxConcurrentChecks")]
    [InlineData("JudgeUrls", "ProxyKit:Pool:Checking:JudgeUrls:0")]
    [InlineData("OwnAddresses", "ProxyKit:Pool:Checking:OwnAddresses:0")]
    [InlineData("GeoDatabasePath", "ProxyKit:Pool:Checking:GeoDatabasePath")]
    [InlineData("MaxJudgeBodyBytes", "ProxyKit:Pool:Checking:MaxJudgeBodyBytes")]
    public void Validator_BadSetting_FailsNamingIt(string setting, string expected)
    {
        var options = new PoolOptions();
        var checking = options.Checking;
        switch (setting)
        {
            case "CheckTimeout": checking.CheckTimeout = TimeSpan.Zero; break;
            case "MaxConcurrentChecks": checking.MaxConcurrentChecks = 0; break;
            case "JudgeUrls": checking.JudgeUrls = ["https://judge.example/echo"]; break;
            case "OwnAddresses": checking.OwnAddresses = ["not-an-ip"]; break;
            case "GeoDatabasePath": checking.GeoDatabasePath = "/nonexistent/geo.csv"; break;
            case "MaxJudgeBodyBytes": checking.MaxJudgeBodyBytes = 10; break;
        }

        var result = new CheckingOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain(expected);
    }

    [Theory]
    [InlineData("http://judge.example/echo")]
    [InlineData("http://127.0.0.1:8080/judge?x=1")]
    [InlineData("http://[::1]:8080/judge")]
    public void Validator_GoodJudgeUrls_Pass(string url)
    {
        var options = new PoolOptions();
        options.Checking.JudgeUrls = [url];
        options.Checking.OwnAddresses = ["203.0.113.5", "2001:db8::5"];

        new CheckingOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();
    }

    [Theory]
    [InlineData("judge.example/echo")]
    [InlineData("ftp://judge.example/echo")]
    [InlineData("http://user:pw@judge.example/echo")]
    public void Validator_BadJudgeUrls_Fail(string url)
    {
        var options = new PoolOptions();
        options.Checking.JudgeUrls = [url];

        new CheckingOptionsValidator().Validate(null, options).Failed.ShouldBeTrue();
    }

    [Fact]
    public Task AddProxyKitPool_BadCheckingOption_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => WithKey(services).AddProxyKitPool(o => o.Checking.MaxConcurrentChecks = -1),
            "ProxyKit:Pool:Checking:MaxConcurrentChecks");

    [Fact]
    public void GeoDatabasePath_Set_RunnerLoadsTheCsv()
    {
        var path = Path.Combine(Path.GetTempPath(), $"proxykit-geo-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "203.0.113.0,203.0.113.255,jp\n");
        try
        {
            var services = new ServiceCollection();
            services.AddProxyKitPool(o => o.Checking.GeoDatabasePath = path);
            using var provider = services.BuildServiceProvider();

            provider.GetRequiredService<ProxyCheckRunner>().ShouldNotBeNull();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ValueTask<ProxyCheckResult> Pass(ProxyCheckContext context, CancellationToken ct) => ValueTask.FromResult(ProxyCheckResult.Pass(null, "ok"));

    private static IServiceCollection WithKey(IServiceCollection services) =>
        services.AddProxyKitSecrets().Configure<ProxyKit.Secrets.SecretsOptions>(o => o.Key = Convert.ToBase64String(new byte[32]));

    private sealed class GeoBlockChecker : IProxyChecker
    {
        public string Name => "geo_block";

        public int Stage => 4;

        public int Priority => 0;

        public ValueTask<ProxyCheckResult> CheckAsync(ProxyCheckContext context, CancellationToken cancellationToken) => Pass(context, cancellationToken);
    }
}
