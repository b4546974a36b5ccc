using ProxyKit.Storage;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Core.Tests.Storage;

/// <summary><see cref="SqlDialect.BulkCopyAsync"/> on each engine: multi-row INSERT batches on SQLite, binary COPY on PostgreSQL.</summary>
public abstract class BulkCopyContractTests(TestEngine engine) : StoreContractTestBase(engine)
{
    private static readonly BulkColumn[] Columns =
    [
        new("id", BulkColumnType.Integer),
        new("name", BulkColumnType.Text),
        new("big", BulkColumnType.BigInt),
        new("ratio", BulkColumnType.DoublePrecision),
        new("flag", BulkColumnType.Boolean),
        new("at", BulkColumnType.Timestamp),
    ];

    [SkippableFact]
    public async Task BulkCopyAsync_EveryTypeAndNulls_RoundTrip()
    {
        var database = await CreateTableAsync();
        var instant = new DateTimeOffset(2026, 3, 1, 9, 30, 15, 123, TimeSpan.FromHours(2)).AddTicks(4560); // 07:30:15.123456Z
        object?[][] rows =
        [
            [1, "plain", 5_000_000_000L, 0.25, true, instant],
            [2, null, null, null, null, null],
            [3, "ünïcødé, 'quotes' and \"more\"", long.MinValue, -1e15, false, DateTimeOffset.UnixEpoch],
            [4, string.Empty, 0L, 1e15, true, instant.ToUniversalTime()],
        ];

        var written = await CopyAsync(database, rows);

        written.ShouldBe(4);
        var back = await ReadAllAsync(database);
        back.Count.ShouldBe(4);
        back[0].ShouldBe(new BulkRow(1, "plain", 5_000_000_000L, 0.25, true, instant));
        back[0].At!.Value.Offset.ShouldBe(TimeSpan.Zero);
        back[1].ShouldBe(new BulkRow(2, null, null, null, null, null));
        back[2].ShouldBe(new BulkRow(3, "ünïcødé, 'quotes' and \"more\"", long.MinValue, -1e15, false, DateTimeOffset.UnixEpoch));
        back[3].ShouldBe(new BulkRow(4, string.Empty, 0L, 1e15, true, instant));
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(600)] // two full batches of 256 and a tail of 88 on the default path
    public async Task BulkCopyAsync_AnyRowCount_WritesEveryRowOnce(int count)
    {
        var database = await CreateTableAsync();

        var written = await CopyAsync(database, Enumerable.Range(1, count).Select(i => Row(i)));

        written.ShouldBe(count);
        var back = await ReadAllAsync(database);
        back.Select(r => r.Id).ShouldBe(Enumerable.Range(1, count));
        back.ShouldAllBe(r => r.Name == "row-" + r.Id && r.Big == r.Id * 10L && r.Flag == (r.Id % 2 == 0));
    }

    [SkippableFact]
    public async Task BulkCopyAsync_InsideATransactionThatRollsBack_LeavesNothing()
    {
        var database = await CreateTableAsync();
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, default);
            var written = await database.Dialect.BulkCopyAsync(connection, transaction, "bulk_rows", Columns, Enumerable.Range(1, 300).Select(i => Row(i)), default);
            written.ShouldBe(300);
            await transaction.RollbackAsync();
        }

        (await ReadAllAsync(database)).ShouldBeEmpty();
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(300)] // after a full batch went out on the default path
    public async Task BulkCopyAsync_RowOfTheWrongWidth_ThrowsArgumentException(int badRow)
    {
        var database = await CreateTableAsync();
        var rows = Enumerable.Range(1, 400).Select(i => i == badRow ? new object?[] { i, "short" } : Row(i));

        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, default);
            var error = await Should.ThrowAsync<ArgumentException>(
                () => database.Dialect.BulkCopyAsync(connection, transaction, "bulk_rows", Columns, rows, default).AsTask());
            error.Message.ShouldContain("2 values for 6 columns");
            await transaction.RollbackAsync();

            // The connection is still usable afterwards (a broken COPY must not poison the pooled connection).
            using var ping = connection.CreateCommand("SELECT COUNT(*) FROM bulk_rows", null);
            Convert.ToInt64(await ping.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(0);
        }
    }

    private static object?[] Row(int i) =>
        [i, "row-" + i, i * 10L, i / 4.0, i % 2 == 0, DateTimeOffset.UnixEpoch.AddSeconds(i)];

    private async Task<ProxyKitDatabase> CreateTableAsync()
    {
        var database = await CreateProxyKitDatabaseAsync();
        var (bigint, real, boolean) = database.Dialect.Name == "postgres" ? ("BIGINT", "DOUBLE PRECISION", "BOOLEAN") : ("INTEGER", "REAL", "INTEGER");
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var create = connection.CreateCommand(
                $"CREATE TABLE bulk_rows (id INTEGER NOT NULL, name TEXT NULL, big {bigint} NULL, ratio {real} NULL, flag {boolean} NULL, at {database.Dialect.TimestampType} NULL)", null);
            await create.ExecuteNonQueryAsync();
        }

        return database;
    }

    private static async Task<long> CopyAsync(ProxyKitDatabase database, IEnumerable<object?[]> rows)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            return await database.Dialect.BulkCopyAsync(connection, null, "bulk_rows", Columns, rows, default);
        }
    }

    private static async Task<List<BulkRow>> ReadAllAsync(ProxyKitDatabase database)
    {
        var rows = new List<BulkRow>();
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var select = connection.CreateCommand("SELECT id, name, big, ratio, flag, at FROM bulk_rows ORDER BY id", null);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(new BulkRow(
                    reader.GetInt32(0),
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetInt64(2),
                    reader.IsDBNull(3) ? null : reader.GetDouble(3),
                    reader.IsDBNull(4) ? null : reader.GetBoolean(4),
                    reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
            }
        }

        return rows;
    }

    private sealed record BulkRow(int Id, string? Name, long? Big, double? Ratio, bool? Flag, DateTimeOffset? At);
}

public sealed class SqliteBulkCopyTests() : BulkCopyContractTests(TestEngine.Sqlite);

public sealed class PostgresBulkCopyTests() : BulkCopyContractTests(TestEngine.Postgres);
