using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Scraping;

/// <summary>Validates <see cref="PoolOptions.Scraping"/>, naming each setting.</summary>
internal sealed class ScrapingOptionsValidator : IValidateOptions<PoolOptions>
{
    private const string Section = "ProxyKit:Pool:Scraping:";

    public ValidateOptionsResult Validate(string? name, PoolOptions options)
    {
        var scraping = options.Scraping;
        var failures = new List<string>();
        if (scraping is null)
        {
            return ValidateOptionsResult.Fail("ProxyKit:Pool:Scraping must not be null.");
        }

        if (scraping.PollInterval <= TimeSpan.Zero)
        {
            failures.Add($"{Section}PollInterval must be positive.");
        }

        if (scraping.MaxConcurrentScrapes is < 1 or > 64)
        {
            failures.Add($"{Section}MaxConcurrentScrapes must be between 1 and 64.");
        }

        if (string.IsNullOrWhiteSpace(scraping.WorkerId) || scraping.WorkerId.Length > 200)
        {
            failures.Add($"{Section}WorkerId must be non-empty and at most 200 characters.");
        }

        if (scraping.CursorLifetime < TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Section}CursorLifetime must be at least one minute.");
        }

        // A claim must outlive the longest fetch, or a slow scrape loses its source to a second worker.
        if (options.Fetch is { } fetch && scraping.ClaimDuration <= fetch.TotalTimeout + TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Section}ClaimDuration must exceed ProxyKit:Pool:Fetch:TotalTimeout by more than a minute (parsing and storing take time too).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
