using System.Buffers.Binary;
using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ProxyKit.Storage;

namespace ProxyKit.Relay.Instances;

/// <summary>The <see cref="IIPv6AddressAllocator"/> over ProxyKit storage: one counter row per prefix, a released-address table.</summary>
internal sealed class PersistentAddressAllocator(ProxyKitDatabase database, IOptions<AddressAllocatorOptions> options, TimeProvider timeProvider) : IIPv6AddressAllocator
{
    private const ulong AnycastLow = 0xFDFF_FFFF_FFFF_FF80; // RFC 2526 reserved subnet anycast interface ids
    private const ulong AnycastHigh = 0xFDFF_FFFF_FFFF_FFFF;

    public async ValueTask<IPAddress> AllocateAsync(IPNetwork prefix, CancellationToken cancellationToken = default)
    {
        var plan = Plan(prefix);
        while (true)
        {
            var (index, key) = await NextIndexAsync(prefix, cancellationToken).ConfigureAwait(false);
            if (index >= plan.Total)
            {
                return await RecycleAsync(prefix, cancellationToken).ConfigureAwait(false)
                    ?? throw new ProxyKitException(
                        $"Prefix {prefix} is exhausted: all {plan.Total} addresses were handed out and no released address has finished its {options.Value.Quarantine} quarantine.");
            }

            var address = Compose(prefix, plan, key, index);
            if (address is not null)
            {
                return address;
            }

            // A reserved interface id: that allocation number is skipped for good.
        }
    }

    public async ValueTask ReleaseAsync(IPNetwork prefix, IPAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        Plan(prefix);
        if (!prefix.Contains(address))
        {
            throw new ArgumentException($"{address} is not inside {prefix}.", nameof(address));
        }

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand(
                """
                INSERT INTO relay_released_addresses (address, prefix, released_at, reused_at)
                SELECT @address, prefix, @now, NULL FROM relay_address_prefixes WHERE prefix = @prefix
                ON CONFLICT (address) DO UPDATE SET released_at = excluded.released_at, reused_at = NULL
                """,
                null).With("address", address.ToString()).With("prefix", prefix.ToString()).With("now", timeProvider.GetUtcNow());
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<AddressCapacity> GetCapacityAsync(IPNetwork prefix, CancellationToken cancellationToken = default)
    {
        var plan = Plan(prefix);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var issued = connection.CreateCommand("SELECT next_index FROM relay_address_prefixes WHERE prefix = @prefix", null).With("prefix", prefix.ToString());
            var next = Convert.ToInt64(await issued.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L, CultureInfo.InvariantCulture);
            using var released = connection.CreateCommand("SELECT COUNT(*) FROM relay_released_addresses WHERE prefix = @prefix AND reused_at IS NULL", null).With("prefix", prefix.ToString());
            var releasedCount = Convert.ToInt64(await released.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            return new AddressCapacity(prefix, plan.Total, UInt128.Min((UInt128)next, plan.Total), releasedCount);
        }
    }

    private async Task<(UInt128 Index, byte[] Key)> NextIndexAsync(IPNetwork prefix, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // The key is drawn once per prefix and kept, so the sequence survives restarts and is shared by every host.
                using (var ensure = connection.CreateCommand(
                    "INSERT INTO relay_address_prefixes (prefix, permutation_key, next_index, created_at) VALUES (@prefix, @key, 0, @now) ON CONFLICT (prefix) DO NOTHING",
                    transaction))
                {
                    await ensure.With("prefix", prefix.ToString()).With("key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)))
                        .With("now", timeProvider.GetUtcNow()).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // One conditional statement takes the number: concurrent allocators on any host never get the same one.
                using var take = connection.CreateCommand(
                    "UPDATE relay_address_prefixes SET next_index = next_index + 1 WHERE prefix = @prefix RETURNING next_index - 1, permutation_key",
                    transaction).With("prefix", prefix.ToString());
                (long Index, string Key) row;
                var reader = await take.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        throw new ProxyKitException($"The allocation counter of {prefix} vanished.");
                    }

                    row = (reader.GetInt64(0), reader.GetString(1));
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return ((UInt128)row.Index, Convert.FromBase64String(row.Key));
            }
        }
    }

    private async Task<IPAddress?> RecycleAsync(IPNetwork prefix, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using var claim = connection.CreateCommand(
                    $"""
                    UPDATE relay_released_addresses SET reused_at = @now
                    WHERE address = (SELECT address FROM relay_released_addresses
                                     WHERE prefix = @prefix AND reused_at IS NULL AND released_at <= @cutoff
                                     ORDER BY released_at LIMIT 1 {dialect.ForUpdateSkipLocked})
                      AND reused_at IS NULL
                    RETURNING address
                    """,
                    transaction)
                    .With("prefix", prefix.ToString())
                    .With("now", timeProvider.GetUtcNow())
                    .With("cutoff", timeProvider.GetUtcNow() - options.Value.Quarantine);
                var address = (string?)await claim.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return address is null ? null : IPAddress.Parse(address);
            }
        }
    }

    private AllocationPlan Plan(IPNetwork prefix)
    {
        if (prefix.BaseAddress.AddressFamily != AddressFamily.InterNetworkV6 || prefix.PrefixLength is < 16 or > 120)
        {
            throw new ArgumentException($"{prefix} must be an IPv6 prefix from /16 to /120.", nameof(prefix));
        }

        var distinctSubnets = options.Value.DistinctSubnetPerAddress && prefix.PrefixLength < 64;
        var bits = distinctSubnets ? 64 - prefix.PrefixLength : 128 - prefix.PrefixLength;
        var total = UInt128.Min(UInt128.One << bits, (UInt128)long.MaxValue);
        return new AllocationPlan(distinctSubnets, bits, total);
    }

    private static IPAddress? Compose(IPNetwork prefix, AllocationPlan plan, byte[] key, UInt128 index)
    {
        var baseValue = BinaryPrimitives.ReadUInt128BigEndian(prefix.BaseAddress.GetAddressBytes());
        UInt128 value;
        ulong interfaceId;
        if (plan.DistinctSubnets)
        {
            var subnet = new AddressPermutation(SubKey(key, "subnet"), plan.Bits).Permute(index);
            interfaceId = (ulong)new AddressPermutation(SubKey(key, "iid"), 64).Permute(index);
            value = baseValue | (subnet << 64) | interfaceId;
        }
        else
        {
            var host = new AddressPermutation(SubKey(key, "host"), plan.Bits).Permute(index);
            interfaceId = (ulong)host; // the low 64 bits, for /64 and shorter host parts alike
            if (host == UInt128.Zero)
            {
                return null; // subnet-router anycast
            }

            value = baseValue | host;
        }

        if (interfaceId == 0 || (prefix.PrefixLength <= 64 && interfaceId is >= AnycastLow and <= AnycastHigh))
        {
            return null;
        }

        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    private static byte[] SubKey(byte[] key, string purpose) => HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(purpose));

    private readonly record struct AllocationPlan(bool DistinctSubnets, int Bits, UInt128 Total);
}
