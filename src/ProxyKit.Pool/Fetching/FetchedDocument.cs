namespace ProxyKit.Pool.Fetching;

/// <summary>
/// A downloaded source document, open while its body streams in. Dispose it to release the connection; reading
/// <see cref="Content"/> may throw <see cref="SourceFetchException"/> (too large, timed out, connection dropped).
/// </summary>
internal sealed class FetchedDocument : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _deadline;

    internal FetchedDocument(Stream content, string? contentType, string? fileName, Uri finalUri, HttpResponseMessage response, CancellationTokenSource deadline)
    {
        Content = content;
        ContentType = contentType;
        FileName = fileName;
        FinalUri = finalUri;
        _response = response;
        _deadline = deadline;
    }

    /// <summary>Gets the body as UTF-8 (transcoded when the source sent another encoding; a UTF-8 BOM may lead), read as it arrives.</summary>
    public Stream Content { get; }

    /// <summary>Gets the media type of the body without parameters (e.g. <c>text/plain</c>), or <see langword="null"/>.</summary>
    public string? ContentType { get; }

    /// <summary>Gets the file name from Content-Disposition, else the last segment of the final URL's path, or <see langword="null"/>.</summary>
    public string? FileName { get; }

    /// <summary>Gets the URL the body came from after redirects. It may carry secrets: show it through <see cref="UrlRedaction"/>.</summary>
    public Uri FinalUri { get; }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync().ConfigureAwait(false);
        _response.Dispose();
        _deadline.Dispose();
    }
}
