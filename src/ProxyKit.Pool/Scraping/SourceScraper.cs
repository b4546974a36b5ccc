using Microsoft.Extensions.Logging;
using ProxyKit.Pool.Fetching;
using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Proxies;
using ProxyKit.Pool.Sources;

namespace ProxyKit.Pool.Scraping;

/// <summary>One scrape of a claimed source: fetch, parse with its parser, store. Expected failures are results.</summary>
internal sealed partial class SourceScraper(
    SourceFetcher fetcher, ProxyParserRegistry parsers, ProxyStore proxies, TimeProvider timeProvider, ILogger<SourceScraper> logger)
{
    /// <summary>The protocol of entries that state none when the source names no default either.</summary>
    public const string FallbackProtocol = "http";

    public async Task<ProxyKitResult<ScrapeResult>> ScrapeAsync(SourceClaim source, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        if (parsers.Find(source.ParserName) is null)
        {
            return ProxyKitResult.Failure<ScrapeResult>(PoolErrorCodes.UnknownParser, $"No parser named '{source.ParserName}' is registered.",
                new Dictionary<string, object?> { ["parser_name"] = source.ParserName });
        }

        try
        {
            var document = await fetcher.FetchAsync(new Uri(source.Url), cancellationToken).ConfigureAwait(false);
            await using (document.ConfigureAwait(false))
            {
                // The fallback is applied while parsing, not only when storing: "1.2.3.4:80" and "http://1.2.3.4:80" are one proxy,
                // counted (and staged) once.
                var protocol = source.DefaultProtocol ?? FallbackProtocol;
                var parsed = await parsers.ParseAsync(
                    document.Content, source.ParserName, protocol, document.ContentType, document.FileName, cancellationToken).ConfigureAwait(false);
                var context = parsed!.Value.Context;
                var found = context.Proxies;
                var created = await proxies.IngestAsync(source.Id, found, protocol, timeProvider.GetUtcNow(), cancellationToken)
                    .ConfigureAwait(false);
                var result = new ScrapeResult(
                    source.Id, found.Count, created, found.Count - created, (long)timeProvider.GetElapsedTime(started).TotalMilliseconds,
                    context.Rejected, context.Duplicates);
                LogScraped(logger, source.Id, result.ProxiesDiscovered, result.ProxiesNew, result.DurationMs);
                return ProxyKitResult.Success(result);
            }
        }
        catch (SourceFetchException ex)
        {
            LogFetchFailed(logger, source.Id, ex.Kind, ex.Message);
            return ProxyKitResult.Failure<ScrapeResult>(PoolErrorCodes.SourceFetchFailed, ex.Message,
                new Dictionary<string, object?> { ["reason"] = ex.Kind.ToString(), ["status_code"] = ex.StatusCode });
        }
    }

    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "Scraped source {SourceId}: {Discovered} proxies, {New} new, in {DurationMs} ms")]
    private static partial void LogScraped(ILogger logger, string sourceId, int discovered, int @new, long durationMs);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Scraping source {SourceId} failed ({Kind}): {Reason}")]
    private static partial void LogFetchFailed(ILogger logger, string sourceId, SourceFetchFailure kind, string reason);
}
