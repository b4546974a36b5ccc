using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace ProxyKit.Pool.Notifications;

/// <summary>
/// The typed <see cref="HttpClient"/> the <c>webhook</c> notifier posts through (one POST per call, no retries here; the
/// notifier owns retries). Applications can add handlers (a proxy, mTLS) with
/// <c>services.AddHttpClient("ProxyKit.Pool.Webhooks")</c> (<see cref="HttpClientName"/>).
/// </summary>
internal sealed class WebhookSender(HttpClient client)
{
    /// <summary>The name of the typed client.</summary>
    public const string HttpClientName = "ProxyKit.Pool.Webhooks";

    /// <summary>The header carrying <c>sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>.</summary>
    public const string SignatureHeader = "X-ProxyKit-Signature";

    /// <summary>The header carrying the event type.</summary>
    public const string EventHeader = "X-ProxyKit-Event";

    /// <summary>The header carrying the delivery id (the same on every attempt of one delivery).</summary>
    public const string DeliveryHeader = "X-ProxyKit-Delivery";

    /// <summary>Computes the signature header value of <paramref name="body"/>: <c>sha256=</c> and the lowercase hex HMAC-SHA256 keyed by the UTF-8 <paramref name="secret"/>.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>POSTs <paramref name="body"/> once and returns the status code.</summary>
    public async Task<HttpStatusCode> PostAsync(Uri url, byte[] body, string signature, string eventType, string deliveryId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(SignatureHeader, signature);
        request.Headers.TryAddWithoutValidation(EventHeader, eventType);
        request.Headers.TryAddWithoutValidation(DeliveryHeader, deliveryId);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("ProxyKit-Webhook", "1"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        return response.StatusCode;
    }
}
