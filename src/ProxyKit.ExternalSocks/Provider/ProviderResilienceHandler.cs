using Polly;

namespace ProxyKit.ExternalSocks.Provider;

/// <summary>Runs each request to a provider through that provider's <see cref="ProviderResilience"/>.</summary>
internal sealed class ProviderResilienceHandler(ProviderResilience resilience) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(ProviderResilience.IdempotentKey, request.Method == HttpMethod.Get || request.Method == HttpMethod.Head);
        context.Properties.Set(ProviderResilience.RequestKey, request);
        try
        {
            return await resilience.Pipeline.ExecuteAsync(
                static (ctx, state) => state.Handler.SendAttemptAsync(state.Request, ctx.CancellationToken),
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<HttpResponseMessage> SendAttemptAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await resilience.Limiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (request.Options.TryGetValue(ProviderCallState.Key, out var state))
            {
                state.MarkMaybeSent();
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            resilience.Limiter.Release();
        }
    }
}
