using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ProxyKit.ExternalSocks.Provider;

/// <summary>
/// The provider API over a named HttpClient whose <see cref="ProviderResilienceHandler"/> owns timeouts, retries, the
/// concurrency limit and the circuit breaker. This class maps what comes back to results or
/// <see cref="ExternalSocksProviderException"/>s. The token travels only in the Authorization header.
/// </summary>
internal sealed class HttpExternalSocksProvider(
    string name, IHttpClientFactory clientFactory, Func<ExternalSocksProviderOptions> options, ILogger logger) : IExternalSocksProvider
{
    private const string NotConfiguredMessage = "ExternalSocks client not initialized: set ProxyKit:ExternalSocks:BaseUrl";

    public string Name { get; } = name;

    public async Task<ProviderProxyPage> ListOnlineAsync(ProviderListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Page);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.PageSize, 1000);
        var path = new StringBuilder("proxies?");
        AppendFilter(path, "country_code", query.CountryCode);
        AppendFilter(path, "city", query.City);
        AppendFilter(path, "type", query.Type);
        path.Append(CultureInfo.InvariantCulture, $"page={query.Page}&page_size={query.PageSize}");

        var page = await SendAsync(HttpMethod.Get, path.ToString(), "list proxies", ProviderJsonContext.Default.ProxyPageDto, cancellationToken).ConfigureAwait(false);
        var items = (page.Proxies ?? []).Select(p => new ProviderProxy(
            p.ProxyId, p.Country ?? string.Empty, p.CountryCode ?? string.Empty, p.City, p.Isp, p.Speed, p.Mobile, p.Hosting, p.Status)).ToList();
        return new ProviderProxyPage(items, page.Total, page.Page, page.PageSize);
    }

    public async Task<ProviderPurchase> BuyAsync(long proxyId, CancellationToken cancellationToken = default)
    {
        var dto = await SendAsync(HttpMethod.Post, FormattableString.Invariant($"proxies/{proxyId}/buy"), "buy", ProviderJsonContext.Default.PurchaseDto, cancellationToken)
            .ConfigureAwait(false);
        var purchase = ToPurchase(dto);
        ProviderLog.Bought(logger, Name, purchase.ProxyId, purchase.CredentialsId);
        return purchase;
    }

    public async Task<IReadOnlyList<ProviderPurchase>> ListPurchasedAsync(DateTimeOffset? since, CancellationToken cancellationToken = default)
    {
        var path = since is { } value
            ? "purchased?since=" + Uri.EscapeDataString(value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))
            : "purchased";
        var list = await SendAsync(HttpMethod.Get, path, "list purchased", ProviderJsonContext.Default.PurchasedListDto, cancellationToken).ConfigureAwait(false);
        return (list.Purchased ?? []).Select(ToPurchase).ToList();
    }

    public async Task<int> GetPurchasedStatusAsync(long credentialsId, CancellationToken cancellationToken = default)
    {
        var dto = await SendAsync(HttpMethod.Get, FormattableString.Invariant($"purchased/{credentialsId}"), "get purchased status",
            ProviderJsonContext.Default.PurchasedStatusDto, cancellationToken).ConfigureAwait(false);
        return dto.Status;
    }

    public async Task<decimal> GetBalanceAsync(CancellationToken cancellationToken = default)
    {
        var dto = await SendAsync(HttpMethod.Get, "balance", "get balance", ProviderJsonContext.Default.BalanceDto, cancellationToken).ConfigureAwait(false);
        return dto.Balance;
    }

    private static ProviderPurchase ToPurchase(PurchaseDto p) =>
        new(p.CredentialsId, p.ProxyId, p.Ip ?? string.Empty, p.Port, p.Login ?? string.Empty, p.Password ?? string.Empty, p.BoughtAt);

    private static void AppendFilter(StringBuilder path, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            path.Append(key).Append('=').Append(Uri.EscapeDataString(value.Trim())).Append('&');
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string relativePath, string operation, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var current = options();
        if (current.BaseUrl is null || string.IsNullOrEmpty(current.ApiToken))
        {
            throw Failure(operation, ProviderErrorKind.NotConfigured, IsDefault
                ? current.BaseUrl is null ? NotConfiguredMessage : "ExternalSocks client not initialized: set ProxyKit:ExternalSocks:ApiToken"
                : $"ExternalSocks provider '{Name}' not initialized: set its BaseUrl and ApiToken");
        }

        var purchase = method == HttpMethod.Post;
        var state = new ProviderCallState();
        using var request = new HttpRequestMessage(method, new Uri(WithTrailingSlash(current.BaseUrl), relativePath));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", current.ApiToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Options.Set(ProviderCallState.Key, state);

        var client = clientFactory.CreateClient(ProviderRegistration.ClientName(Name));
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransportFailure(e, cancellationToken))
        {
            var (kind, reason) = ClassifyTransportFailure(e, purchase, state);
            throw Failure(operation, kind, $"ExternalSocks provider '{Name}': {operation} failed: {reason}.", e);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                try
                {
                    return await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
                        ?? throw new JsonException("The response body was empty.");
                }
                catch (Exception e) when (e is JsonException or NotSupportedException || IsTransportFailure(e, cancellationToken))
                {
                    // A purchase answered 2xx went through; only its credentials were lost.
                    var kind = purchase ? ProviderErrorKind.OutcomeUnknown : ProviderErrorKind.Unavailable;
                    throw Failure(operation, kind, $"ExternalSocks provider '{Name}': {operation} returned HTTP {(int)response.StatusCode} with an unreadable body.", e);
                }
            }

            var error = await ReadErrorCodeAsync(response, cancellationToken).ConfigureAwait(false);
            var (statusKind, message) = ClassifyStatus(response.StatusCode, purchase, operation, error);
            throw Failure(operation, statusKind, message);
        }
    }

    private bool IsDefault => string.Equals(Name, ExternalSocksProviderOptions.DefaultName, StringComparison.OrdinalIgnoreCase);

    private static Uri WithTrailingSlash(Uri baseUrl) =>
        baseUrl.AbsolutePath.EndsWith('/') ? baseUrl : new UriBuilder(baseUrl) { Path = baseUrl.AbsolutePath + "/" }.Uri;

    private static bool IsTransportFailure(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        HttpRequestException or IOException or TimeoutRejectedException or BrokenCircuitException => true,
        _ => false,
    };

    private (ProviderErrorKind Kind, string Reason) ClassifyTransportFailure(Exception e, bool purchase, ProviderCallState state) => e switch
    {
        BrokenCircuitException => (ProviderErrorKind.Unavailable, "the circuit is open after repeated failures"),
        HttpRequestException h when ProviderResilience.IsConnectFailure(h) => (ProviderErrorKind.Unavailable, "could not connect"),
        _ when purchase && state.MaybeSent => (ProviderErrorKind.OutcomeUnknown,
            (e is TimeoutRejectedException or OperationCanceledException ? "no answer in time" : "the connection failed") + " after the request was sent; the proxy may or may not have been bought"),
        TimeoutRejectedException or OperationCanceledException => (ProviderErrorKind.Unavailable, $"no answer within {options().TimeoutSeconds} s"),
        _ => (ProviderErrorKind.Unavailable, "the connection failed"),
    };

    private (ProviderErrorKind Kind, string Message) ClassifyStatus(HttpStatusCode status, bool purchase, string operation, string? error)
    {
        var code = (int)status;
        var detail = error is null ? $"HTTP {code}" : $"HTTP {code} {error}";
        var prefix = $"ExternalSocks provider '{Name}': {operation} failed";
        return status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => (ProviderErrorKind.Unauthorized, $"{prefix}: the provider refused the API token ({detail})."),
            HttpStatusCode.PaymentRequired => (ProviderErrorKind.InsufficientBalance, $"{prefix}: insufficient balance on external API ({detail})."),
            HttpStatusCode.Conflict => (ProviderErrorKind.SoldOut, $"{prefix}: the proxy is sold or offline ({detail})."),
            HttpStatusCode.NotFound => (ProviderErrorKind.NotFound, $"{prefix}: not found ({detail})."),
            HttpStatusCode.TooManyRequests => (ProviderErrorKind.Unavailable, $"{prefix}: rate limited ({detail})."),
            _ when purchase => (ProviderErrorKind.OutcomeUnknown, $"{prefix}: unexpected answer ({detail}); the proxy may or may not have been bought."),
            _ => (ProviderErrorKind.Unavailable, $"{prefix}: unexpected answer ({detail})."),
        };
    }

    private static async Task<string?> ReadErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadFromJsonAsync(ProviderJsonContext.Default.ErrorDto, cancellationToken).ConfigureAwait(false);
            return body?.Error is { Length: > 0 } error ? Sanitize(error) : null;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or HttpRequestException or IOException)
        {
            return null;
        }
    }

    // The provider's error code goes into messages: keep it short and plain.
    private static string Sanitize(string error)
    {
        var plain = new string(error.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.').Take(64).ToArray());
        return plain.Length == 0 ? "error" : plain;
    }

    private ExternalSocksProviderException Failure(string operation, ProviderErrorKind kind, string message, Exception? inner = null)
    {
        ProviderLog.CallFailed(logger, Name, operation, kind, message);
        return new ExternalSocksProviderException(kind, message, inner);
    }
}
