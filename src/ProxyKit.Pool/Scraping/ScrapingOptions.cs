namespace ProxyKit.Pool.Scraping;

/// <summary>Options of scheduled scraping (section <c>ProxyKit:Pool:Scraping</c>).</summary>
public sealed class ScrapingOptions
{
    /// <summary>Gets or sets how often an idle worker looks for due sources. Defaults to 15 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets or sets how long a worker's claim on a source lasts: a worker that dies mid-scrape blocks the source this long
    /// at most. Must exceed the fetch's total timeout plus parsing and storing. Defaults to 10 minutes.
    /// </summary>
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how many sources one worker scrapes at once. Defaults to 4.</summary>
    public int MaxConcurrentScrapes { get; set; } = 4;

    /// <summary>Gets or sets this worker's name in claims. Defaults to host name, process id and a random suffix.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Gets or sets how long a page cursor stays valid (and how long replaced proxy state is kept for it). Defaults to 1 hour.</summary>
    public TimeSpan CursorLifetime { get; set; } = TimeSpan.FromHours(1);
}
