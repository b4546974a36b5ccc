using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;
using ProxyKit.Pool.Fetching;

namespace ProxyKit.Pool.Tests.Fetching;

public sealed class SourceResiliencePipelinesTests
{
    [Theory]
    [InlineData("https://example.com/a.txt", "https://example.com:443")]
    [InlineData("http://EXAMPLE.com/a.txt?token=x", "http://example.com:80")]
    [InlineData("http://example.com:8080/", "http://example.com:8080")]
    [InlineData("http://[2001:db8::1]:81/", "http://[2001:db8::1]:81")]
    public void UpstreamKey_IsSchemeHostAndPort(string url, string expected) =>
        SourceResiliencePipelines.UpstreamKey(new Uri(url)).ShouldBe(expected);

    [Fact]
    public void For_SameUpstream_SharesOnePipeline_OtherPortOrSchemeGetsItsOwn()
    {
        var pipelines = Create();

        var first = pipelines.For(new Uri("http://example.com/a.txt"));

        pipelines.For(new Uri("http://example.com:80/b.txt?x=1")).ShouldBeSameAs(first);
        pipelines.For(new Uri("http://example.com:8080/a.txt")).ShouldNotBeSameAs(first);
        pipelines.For(new Uri("https://example.com/a.txt")).ShouldNotBeSameAs(first);
        pipelines.Count.ShouldBe(3);
    }

    [Fact]
    public void For_MoreUpstreamsThanTracked_ForgetsTheClosedCircuits()
    {
        var pipelines = Create();

        for (var i = 0; i < SourceResiliencePipelines.MaxTrackedUpstreams + 100; i++)
        {
            pipelines.For(new Uri($"http://host{i}.example/"));
        }

        pipelines.Count.ShouldBeLessThanOrEqualTo(SourceResiliencePipelines.MaxTrackedUpstreams);
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(200, false)]
    [InlineData(301, false)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    public void IsTransientFailure_ByStatus(int status, bool expected)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);

        SourceResiliencePipelines.IsTransientFailure(Outcome.FromResult(response)).ShouldBe(expected);
    }

    [Fact]
    public void IsTransientFailure_NetworkAndAttemptTimeoutYes_RefusalAndOtherExceptionsNo()
    {
        SourceResiliencePipelines.IsTransientFailure(Outcome.FromException<HttpResponseMessage>(new HttpRequestException("x"))).ShouldBeTrue();
        SourceResiliencePipelines.IsTransientFailure(Outcome.FromException<HttpResponseMessage>(new TimeoutRejectedException())).ShouldBeTrue();
        SourceResiliencePipelines.IsTransientFailure(Outcome.FromException<HttpResponseMessage>(
            new HttpRequestException(HttpRequestError.ConnectionError, "x", new DestinationRefusedException("internal.example", 80)))).ShouldBeFalse();
        SourceResiliencePipelines.IsTransientFailure(Outcome.FromException<HttpResponseMessage>(new InvalidOperationException())).ShouldBeFalse();
        SourceResiliencePipelines.IsTransientFailure(Outcome.FromException<HttpResponseMessage>(new OperationCanceledException())).ShouldBeFalse();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void For_OptionsAtTheValidatedLimits_PollyAcceptsThem(bool lowest)
    {
        var options = new PoolOptions();
        var fetch = options.Fetch;
        fetch.AttemptTimeout = lowest ? TimeSpan.FromMilliseconds(10) : TimeSpan.FromHours(1);
        fetch.TotalTimeout = lowest ? TimeSpan.FromMilliseconds(10) : TimeSpan.FromDays(1);
        fetch.MaxRetries = lowest ? 0 : 10;
        fetch.RetryBaseDelay = lowest ? TimeSpan.Zero : TimeSpan.FromMinutes(1);
        fetch.MaxRetryDelay = lowest ? TimeSpan.Zero : TimeSpan.FromHours(1);
        fetch.BreakerFailureRatio = lowest ? double.Epsilon : 1;
        fetch.BreakerMinimumThroughput = lowest ? 2 : 10_000;
        fetch.BreakerSamplingDuration = lowest ? TimeSpan.FromSeconds(1) : TimeSpan.FromDays(1);
        fetch.BreakDuration = lowest ? TimeSpan.FromSeconds(1) : TimeSpan.FromDays(1);
        new ProxyKit.Pool.Internal.PoolOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();

        var pipelines = new SourceResiliencePipelines(Options.Create(options), TimeProvider.System, NullLogger<SourceFetcher>.Instance);

        pipelines.For(new Uri("http://example.com/")).ShouldNotBeNull();
    }

    private static SourceResiliencePipelines Create() =>
        new(Options.Create(new PoolOptions()), TimeProvider.System, NullLogger<SourceFetcher>.Instance);
}
