using NCrontab;

namespace ProxyKit.Pool.Sources;

/// <summary>Five-field cron expressions (minute hour day month weekday), evaluated in UTC.</summary>
internal static class CronSchedules
{
    public const string Default = "*/30 * * * *";

    public static CrontabSchedule? TryParse(string? expression) =>
        string.IsNullOrWhiteSpace(expression) ? null : CrontabSchedule.TryParse(expression.Trim(), new CrontabSchedule.ParseOptions { IncludingSeconds = false });

    /// <summary>The first occurrence strictly after <paramref name="after"/>.</summary>
    public static DateTimeOffset Next(string expression, DateTimeOffset after)
    {
        var schedule = TryParse(expression) ?? throw new ProxyKitException($"'{expression}' is not a valid cron expression.");
        var next = schedule.GetNextOccurrence(after.UtcDateTime);
        return new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc));
    }
}
