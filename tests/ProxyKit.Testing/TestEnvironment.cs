namespace ProxyKit.Testing;

/// <summary>
/// The real servers tests talk to, as exported by <c>eng/test.sh</c>. A test that needs one that is missing
/// is skipped with a message naming it; under CI (<c>CI=true</c>) a missing server is a failure instead,
/// because nothing may be skipped there for that reason.
/// </summary>
public static class TestEnvironment
{
    /// <summary>The variable holding an Npgsql connection string to a superuser-capable PostgreSQL server.</summary>
    public const string PostgresVariable = "PROXYKIT_TEST_POSTGRES";

    /// <summary>The variable holding a StackExchange.Redis configuration string.</summary>
    public const string RedisVariable = "PROXYKIT_TEST_REDIS";

    /// <summary>Gets whether the tests run under CI.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets the PostgreSQL connection string, or skips (fails under CI) when it is not set.</summary>
    public static string RequirePostgres() => Require(PostgresVariable, "PostgreSQL");

    /// <summary>Gets the Redis configuration string, or skips (fails under CI) when it is not set.</summary>
    public static string RequireRedis() => Require(RedisVariable, "Redis");

    private static string Require(string variable, string what)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        var message = $"{what} is missing: {variable} is not set. Run ./eng/test.sh, which installs and starts a throwaway {what} server, or export {variable}.";
        if (IsCi)
        {
            throw new InvalidOperationException(message + " (CI must not skip.)");
        }

        throw new SkipException(message);
    }
}
