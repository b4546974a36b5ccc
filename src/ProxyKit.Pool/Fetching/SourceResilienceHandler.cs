using Polly;

namespace ProxyKit.Pool.Fetching;

/// <summary>
/// Runs each source request through its upstream's resilience pipeline (<see cref="SourceResiliencePipelines"/>).
/// Every attempt sends a fresh copy of the request: SocketsHttpHandler rewrites a request it redirects, and a request
/// must not be sent twice. Only requests without a body are supported (sources are fetched with GET).
/// </summary>
internal sealed class SourceResilienceHandler(SourceResiliencePipelines pipelines) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var url = request.RequestUri ?? throw new InvalidOperationException("A source request needs an absolute RequestUri.");
        if (request.Content is not null)
        {
            throw new NotSupportedException("Source requests are re-sent on retry and must not have a body.");
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(SourceResiliencePipelines.DisplayUrl, UrlRedaction.ForDisplay(url));
        try
        {
            return await pipelines.For(url).ExecuteAsync(
                static (context, state) => state.Handler.SendAttemptAsync(state.Request, context.CancellationToken),
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri)
        {
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        foreach (var option in request.Options)
        {
            copy.Options.Set(new HttpRequestOptionsKey<object?>(option.Key), option.Value);
        }

        return copy;
    }

    private async ValueTask<HttpResponseMessage> SendAttemptAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await base.SendAsync(Copy(request), cancellationToken).ConfigureAwait(false);
}
