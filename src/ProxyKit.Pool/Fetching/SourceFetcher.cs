using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Fetching;

/// <summary>
/// Downloads proxy sources: a typed HttpClient whose handler chain is the resilience pipeline
/// (<see cref="SourceResilienceHandler"/>) over a SocketsHttpHandler with the SSRF guard (<see cref="SourceConnector"/>).
/// Thread-safe.
/// </summary>
internal sealed class SourceFetcher
{
    private readonly HttpClient _http;
    private readonly SourceFetchOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public SourceFetcher(HttpClient http, IOptions<PoolOptions> options, TimeProvider timeProvider, ILogger<SourceFetcher> logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options.Value.Fetch;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// Downloads <paramref name="url"/> (GET, with retries, the host's circuit breaker and the SSRF guard) and returns
    /// once the response headers arrived; the body streams through <see cref="FetchedDocument.Content"/>. User
    /// information in the URL is sent as HTTP Basic credentials.
    /// </summary>
    /// <exception cref="SourceFetchException">The fetch failed; <see cref="SourceFetchException.Kind"/> says why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<FetchedDocument> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || url.IdnHost.Length == 0)
        {
            throw FetchErrors.InvalidUrl(url);
        }

        var display = UrlRedaction.ForDisplay(url);
        FetchLog.Fetching(_logger, display);
        var started = _timeProvider.GetTimestamp();
        var deadline = new CancellationTokenSource(_options.TotalTimeout, _timeProvider);
        HttpResponseMessage? response = null;
        try
        {
            using (var request = CreateRequest(url))
            {
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && FetchErrors.FromSendFailure(e, display, _options, deadline.IsCancellationRequested) is { } failure)
                {
                    throw failure;
                }
            }

            var status = (int)response.StatusCode;
            var headers = response.Content.Headers;
            FetchLog.Answered(_logger, display, status, headers.ContentType?.MediaType, (long)_timeProvider.GetElapsedTime(started).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                throw FetchErrors.Status(display, status);
            }

            if (headers.ContentLength is { } declared && declared > _options.MaxResponseBytes)
            {
                throw FetchErrors.DeclaredTooLarge(display, declared, _options.MaxResponseBytes);
            }

            var network = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var body = new SourceContentStream(network, _options.MaxResponseBytes, display, _options.TotalTimeout, deadline.Token);
            var head = await body.PeekAsync(DocumentEncoding.SniffLength, cancellationToken).ConfigureAwait(false);
            var encoding = DocumentEncoding.Detect(head.Span, headers.ContentType?.CharSet);
            var content = encoding.CodePage == Encoding.UTF8.CodePage
                ? body
                : Encoding.CreateTranscodingStream(body, encoding, Encoding.UTF8, leaveOpen: false);
            var finalUri = response.RequestMessage?.RequestUri ?? url;
            return new FetchedDocument(content, headers.ContentType?.MediaType, FileNameOf(headers.ContentDisposition, finalUri), finalUri, response, deadline);
        }
        catch
        {
            response?.Dispose();
            deadline.Dispose();
            throw;
        }
    }

    /// <summary>Gets the file name a source's body should be judged by: Content-Disposition's, else the URL path's last segment.</summary>
    internal static string? FileNameOf(ContentDispositionHeaderValue? disposition, Uri url)
    {
        var declared = disposition?.FileNameStar ?? disposition?.FileName;
        var name = LastSegment(declared?.Trim().Trim('"'));
        if (name is not null)
        {
            return name;
        }

        return LastSegment(Uri.UnescapeDataString(url.AbsolutePath));
    }

    private static string? LastSegment(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        var name = path[(path.LastIndexOfAny(['/', '\\']) + 1)..].Trim();
        return name.Length == 0 ? null : name;
    }

    private HttpRequestMessage CreateRequest(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
        if (url.UserInfo.Length > 0)
        {
            // Sent as Basic credentials (SocketsHttpHandler would ignore them), and kept out of the request URL.
            var separator = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(separator < 0 ? url.UserInfo : url.UserInfo[..separator]);
            var password = separator < 0 ? string.Empty : Uri.UnescapeDataString(url.UserInfo[(separator + 1)..]);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
            request.RequestUri = new UriBuilder(url) { UserName = string.Empty, Password = string.Empty }.Uri;
        }

        return request;
    }
}
