using Microsoft.Extensions.Options;
using ProxyKit.Pool.Fetching;
using ProxyKit.Pool.Internal;
using ProxyKit.Pool.Notifications;
using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Scraping;
using ProxyKit.Secrets;

namespace ProxyKit.Pool.Sources;

/// <summary>A page of sources.</summary>
/// <param name="Items">The sources, oldest first.</param>
/// <param name="NextCursor">The next page's cursor, or <see langword="null"/> on the last page.</param>
/// <param name="TotalCount">How many sources match.</param>
public sealed record ProxySourcePage(IReadOnlyList<ProxySource> Items, string? NextCursor, long TotalCount);

/// <summary>Manages proxy sources (seed 003's <c>/sources</c>) and scrapes one on demand.</summary>
public sealed class ProxySourceService
{
    private const int MaxUrlLength = 2048;

    private readonly SourceStore _store;
    private readonly SourceScraper _scraper;
    private readonly SourceFetcher _fetcher;
    private readonly ProxyParserRegistry _parsers;
    private readonly SecretProtector _protector;
    private readonly TimeProvider _timeProvider;
    private readonly IOptions<PoolOptions> _options;
    private readonly IPoolEvents _events;

    internal ProxySourceService(
        SourceStore store, SourceScraper scraper, SourceFetcher fetcher, ProxyParserRegistry parsers, SecretProtector protector,
        TimeProvider timeProvider, IOptions<PoolOptions> options, IPoolEvents events)
    {
        _events = events;
        _store = store;
        _scraper = scraper;
        _fetcher = fetcher;
        _parsers = parsers;
        _protector = protector;
        _timeProvider = timeProvider;
        _options = options;
    }

    /// <summary>
    /// Adds a source. Without a parser name the content is fetched now and the first parser whose <c>Supports</c> accepts
    /// it is recorded; an unknown parser, content no parser supports or an unreachable URL is an error (HTTP 422).
    /// A new active source is due at once.
    /// </summary>
    public async Task<ProxyKitResult<ProxySource>> CreateAsync(NewProxySource request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cron = request.CronSchedule ?? CronSchedules.Default;
        if (Validate(request.Url, cron, request.DefaultProtocol, out var defaultProtocol) is { } invalid)
        {
            return ProxyKitResult.Failure<ProxySource>(invalid);
        }

        string parserName;
        if (request.ParserName is not null)
        {
            if (_parsers.Find(request.ParserName) is not { } parser)
            {
                return ProxyKitResult.Failure<ProxySource>(UnknownParser(request.ParserName));
            }

            // Stored under its registered name: lookups ignore case, but listings should show one spelling.
            parserName = parser.Name;
        }
        else
        {
            var detected = await DetectAsync(request.Url, cancellationToken).ConfigureAwait(false);
            if (!detected.Succeeded)
            {
                return ProxyKitResult.Failure<ProxySource>(detected.Error!);
            }

            parserName = detected.Value!;
        }

        var now = _timeProvider.GetUtcNow();
        var source = new ProxySource(
            Guid.CreateVersion7().ToString("D"), request.Url.Trim(), parserName, cron.Trim(), defaultProtocol, request.IsActive, null, now,
            request.IsActive ? now : null, new SourceStats(null, null, null, 0, 0, 0, null, null, 0, 0));
        await _store.InsertAsync(source, cancellationToken).ConfigureAwait(false);
        return ProxyKitResult.Success(source);
    }

    /// <summary>Gets a source, or <see langword="null"/>.</summary>
    public Task<ProxySource?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        IsId(id) ? _store.GetAsync(id, cancellationToken) : Task.FromResult<ProxySource?>(null);

    /// <summary>Lists sources oldest first, <paramref name="limit"/> (1 to 200) at a time.</summary>
    public async Task<ProxyKitResult<ProxySourcePage>> ListAsync(bool? isActive, int limit = 50, string? cursor = null, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > 200)
        {
            return ProxyKitResult.Failure<ProxySourcePage>(PoolErrorCodes.InvalidRequest, "limit must be between 1 and 200.", Field("limit"));
        }

        var fingerprint = PageCursor.Fingerprint($"sources|{isActive}");
        (DateTimeOffset, string)? after = null;
        if (cursor is not null)
        {
            if (PageCursor.TryDecode(cursor, _protector) is not { } decoded || decoded.QueryFingerprint != fingerprint)
            {
                return ProxyKitResult.Failure<ProxySourcePage>(PoolErrorCodes.InvalidCursor, "The cursor is not valid for this query.", Field("cursor"));
            }

            after = (new DateTimeOffset(decoded.LastKeyBits, TimeSpan.Zero), decoded.LastId);
        }

        var (items, total) = await _store.ListAsync(isActive, limit + 1, after, cancellationToken).ConfigureAwait(false);
        string? next = null;
        if (items.Count > limit)
        {
            items = items.Take(limit).ToList();
            var last = items[^1];
            next = new PageCursor(fingerprint, _timeProvider.GetUtcNow(), total, last.CreatedAt.UtcTicks, last.Id).Encode(_protector);
        }

        return ProxyKitResult.Success(new ProxySourcePage(items, next, total));
    }

    /// <summary>Changes the given fields of a source (<see cref="PoolErrorCodes.NotFound"/> when it does not exist).</summary>
    public async Task<ProxyKitResult<ProxySource>> UpdateAsync(string id, ProxySourcePatch patch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var current = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return ProxyKitResult.Failure<ProxySource>(NotFound(id));
        }

        var url = patch.Url ?? current.Url;
        var cron = patch.CronSchedule ?? current.CronSchedule;
        var protocol = patch.ClearDefaultProtocol ? null : patch.DefaultProtocol ?? current.DefaultProtocol;
        if (Validate(url, cron, protocol, out var defaultProtocol) is { } invalid)
        {
            return ProxyKitResult.Failure<ProxySource>(invalid);
        }

        var parserName = current.ParserName;
        if (patch.ParserName is not null)
        {
            if (_parsers.Find(patch.ParserName) is not { } parser)
            {
                return ProxyKitResult.Failure<ProxySource>(UnknownParser(patch.ParserName));
            }

            parserName = parser.Name;
        }

        var now = _timeProvider.GetUtcNow();
        var active = patch.IsActive ?? current.IsActive;
        var nextRun = current.NextRunAt;
        if (!active)
        {
            nextRun = null;
        }
        else if (!current.IsActive || !string.Equals(cron.Trim(), current.CronSchedule, StringComparison.Ordinal))
        {
            nextRun = current.LastScrapedAt is null ? now : CronSchedules.Next(cron, now);
        }

        var updated = current with
        {
            Url = url.Trim(),
            ParserName = parserName,
            CronSchedule = cron.Trim(),
            DefaultProtocol = defaultProtocol,
            IsActive = active,
            NextRunAt = nextRun,
        };
        return await _store.UpdateAsync(updated, now, cancellationToken).ConfigureAwait(false)
            ? ProxyKitResult.Success(updated)
            : ProxyKitResult.Failure<ProxySource>(NotFound(id));
    }

    /// <summary>Deletes a source; the proxies it found stay in the pool. False when it does not exist.</summary>
    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        IsId(id) ? _store.DeleteAsync(id, cancellationToken) : Task.FromResult(false);

    /// <summary>
    /// Scrapes a source now, bypassing its schedule (which stays as it was). Fails with
    /// <see cref="PoolErrorCodes.ScrapeInProgress"/> while a worker holds it, and records failures in its statistics.
    /// </summary>
    public async Task<ProxyKitResult<ScrapeResult>> ScrapeNowAsync(string id, CancellationToken cancellationToken = default)
    {
        var options = _options.Value.Scraping;
        var claim = IsId(id)
            ? await _store.ClaimAsync(id, options.WorkerId, _timeProvider.GetUtcNow(), options.ClaimDuration, cancellationToken).ConfigureAwait(false)
            : null;
        if (claim is null)
        {
            return await GetAsync(id, cancellationToken).ConfigureAwait(false) is null
                ? ProxyKitResult.Failure<ScrapeResult>(NotFound(id))
                : ProxyKitResult.Failure<ScrapeResult>(PoolErrorCodes.ScrapeInProgress, "The source is being scraped right now; try again when it finishes.");
        }

        return await ScrapeClaimedAsync(claim, options.WorkerId, reschedule: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Scrapes a claimed source and releases the claim with the outcome (the scheduler and manual scrapes).</summary>
    internal async Task<ProxyKitResult<ScrapeResult>> ScrapeClaimedAsync(SourceClaim claim, string worker, bool reschedule, CancellationToken cancellationToken)
    {
        ProxyKitResult<ScrapeResult> result;
        try
        {
            result = await _scraper.ScrapeAsync(claim, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Storage or parser failures: recorded on the source, then surfaced.
            await CompleteAsync(claim, worker, reschedule, null, "internal error: " + ex.GetType().Name, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await CompleteAsync(claim, worker, reschedule, result.Value, result.Error?.Message, CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    private async Task<bool> CompleteAsync(SourceClaim claim, string worker, bool reschedule, ScrapeResult? result, string? error, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var next = reschedule ? CronSchedules.Next(claim.CronSchedule, now) : (DateTimeOffset?)null;
        var recorded = await _store.CompleteAsync(claim.Id, worker, now, next, result, error, cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            await _events.PublishAsync("source.failed", new Dictionary<string, object?>
            {
                ["source_id"] = claim.Id,
                ["url"] = UrlRedaction.ForDisplay(new Uri(claim.Url)),
                ["reason"] = error,
            }, cancellationToken).ConfigureAwait(false);
        }

        return recorded;
    }

    private async Task<ProxyKitResult<string>> DetectAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            var document = await _fetcher.FetchAsync(new Uri(url.Trim()), cancellationToken).ConfigureAwait(false);
            await using (document.ConfigureAwait(false))
            {
                var head = new byte[ProxyDocumentProbe.HeadLength];
                var length = await document.Content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                var parser = _parsers.Detect(new ProxyDocumentProbe(head.AsMemory(0, length), document.ContentType, document.FileName));
                return parser is null
                    ? ProxyKitResult.Failure<string>(PoolErrorCodes.UnsupportedContent,
                        "No registered parser supports the content at this URL; name one with parser_name.",
                        new Dictionary<string, object?> { ["content_type"] = document.ContentType, ["parsers"] = _parsers.Parsers.Select(p => p.Name).ToArray() })
                    : ProxyKitResult.Success(parser.Name);
            }
        }
        catch (SourceFetchException ex)
        {
            return ProxyKitResult.Failure<string>(PoolErrorCodes.SourceFetchFailed,
                "The URL could not be fetched to detect its format (" + ex.Message + "); name a parser with parser_name, or fix the URL.",
                new Dictionary<string, object?> { ["reason"] = ex.Kind.ToString(), ["status_code"] = ex.StatusCode });
        }
    }

    private static ProxyKitError? Validate(string? url, string cron, string? protocol, out string? normalizedProtocol)
    {
        normalizedProtocol = null;
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxUrlLength
            || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return new ProxyKitError(PoolErrorCodes.InvalidRequest, $"url must be an absolute http or https URL of at most {MaxUrlLength} characters.", Field("url"));
        }

        if (CronSchedules.TryParse(cron) is null)
        {
            return new ProxyKitError(PoolErrorCodes.InvalidRequest,
                "cron_schedule must be a five-field cron expression (minute hour day-of-month month day-of-week), e.g. '*/30 * * * *'.", Field("cron_schedule"));
        }

        if (protocol is not null)
        {
            if (!ProxyFields.TryNormalizeScheme(protocol, out var normalized))
            {
                return new ProxyKitError(PoolErrorCodes.InvalidRequest, "default_protocol must be http, https, socks4 or socks5.", Field("default_protocol"));
            }

            normalizedProtocol = normalized;
        }

        return null;
    }

    private static bool IsId(string? id) => Guid.TryParseExact(id, "D", out _);

    private static ProxyKitError UnknownParser(string name) => new(
        PoolErrorCodes.UnknownParser, $"No parser named '{name}' is registered.", new Dictionary<string, object?> { ["parser_name"] = name });

    private static ProxyKitError NotFound(string id) => new(
        PoolErrorCodes.NotFound, "No source has this id.", new Dictionary<string, object?> { ["source_id"] = id });

    private static Dictionary<string, object?> Field(string name) => new() { ["field"] = name };

}
