using System.Data.Common;
using System.Globalization;
using ProxyKit.Storage;

namespace ProxyKit.WireGuard.Allocation;

/// <summary>
/// The <c>wg_slots</c> and <c>wg_keys</c> tables. Allocation takes a free slot with one conditional update and records the key
/// in the same transaction (partial unique indexes back it: one active key per slot, one per client slot); release and
/// auto-release are conditional updates from <c>active</c> that free the slot with them, so of racing callers exactly one
/// wins and a key, once released, is never active again.
/// </summary>
internal sealed class WireGuardKeyStore(ProxyKitDatabase database, TimeProvider timeProvider)
{
    private const string Columns =
        "id, server_id, public_key, private_key_protected, address_index, address, state, client, client_slot, allocated_at, released_at, " +
        "release_reason, last_handshake_at, rx_bytes, tx_bytes, last_activity_at";

    public ProxyKitDatabase Database => database;

    /// <summary>Active keys per server.</summary>
    public async Task<Dictionary<string, int>> CountActiveAsync(CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand("SELECT server_id, COUNT(*) FROM wg_keys WHERE state = 'active' GROUP BY server_id", null);
            using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetString(0)] = Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
        }

        return counts;
    }

    /// <summary>Free slots within each server's capacity released after <paramref name="restedBefore"/> (resting in quarantine).</summary>
    public async Task<int> CountRestingAsync(IReadOnlyList<(string ServerId, int Capacity)> servers, DateTimeOffset restedBefore, CancellationToken cancellationToken)
    {
        var resting = 0;
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var count = connection.CreateCommand(
                "SELECT COUNT(*) FROM wg_slots WHERE server_id = @server AND state = 'free' AND address_index <= @capacity AND released_at > @rested", null);
            foreach (var (serverId, capacity) in servers)
            {
                count.Parameters.Clear();
                count.With("server", serverId).With("capacity", capacity).With("rested", restedBefore);
                resting += Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }
        }

        return resting;
    }

    /// <summary>The client slots a client's active keys hold.</summary>
    public async Task<HashSet<int>> ReadClientSlotsAsync(string client, CancellationToken cancellationToken)
    {
        var slots = new HashSet<int>();
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                "SELECT client_slot FROM wg_keys WHERE client = @client AND state = 'active' AND client_slot IS NOT NULL", null).With("client", client);
            using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                slots.Add(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture));
            }
        }

        return slots;
    }

    /// <summary>Creates the server's slots 1..<paramref name="capacity"/> that do not exist yet (idempotent; any number of hosts).</summary>
    public async Task EnsureSlotsAsync(string serverId, int capacity, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using (var count = connection.CreateCommand("SELECT COUNT(*) FROM wg_slots WHERE server_id = @server AND address_index <= @capacity", null)
                .With("server", serverId).With("capacity", capacity))
            {
                if (Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == capacity)
                {
                    return;
                }
            }

            const int Chunk = 500;
            for (var start = 1; start <= capacity; start += Chunk)
            {
                var end = Math.Min(capacity, start + Chunk - 1);
                var values = string.Join(", ", Enumerable.Range(start, end - start + 1).Select(static i => $"(@server, {i.ToString(CultureInfo.InvariantCulture)}, 'free')"));
                using var insert = connection.CreateCommand(
                    $"INSERT INTO wg_slots (server_id, address_index, state) VALUES {values} ON CONFLICT (server_id, address_index) DO NOTHING", null).With("server", serverId);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Takes the best free slot of <paramref name="row"/>'s server (never used first, then released longest ago; none
    /// released less than <paramref name="quarantine"/> ago) and records the key on it, in one transaction.
    /// </summary>
    /// <param name="row">The key to record; its slot and address are filled in from the slot taken.</param>
    /// <param name="capacity">Slots above this are not handed out.</param>
    /// <param name="quarantine">How long a released slot rests; measured once the transaction holds the write lock, since a
    /// cutoff taken before waiting for it would exclude every slot released while this call waited.</param>
    /// <param name="addressOf">The client address of a slot.</param>
    /// <param name="cancellationToken">Cancels the call (nothing is kept).</param>
    public async Task<(InsertOutcome Outcome, KeyRow? Row)> TryAllocateAsync(
        KeyRow row, int capacity, TimeSpan quarantine, Func<int, string> addressOf, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    int slot;
                    using (var take = connection.CreateCommand(
                        "UPDATE wg_slots SET state = 'active' WHERE server_id = @server AND state = 'free' AND address_index = (" +
                        "SELECT address_index FROM wg_slots WHERE server_id = @server AND state = 'free' AND address_index <= @capacity " +
                        (quarantine > TimeSpan.Zero ? "AND (released_at IS NULL OR released_at <= @rested) " : string.Empty) +
                        "ORDER BY CASE WHEN released_at IS NULL THEN 0 ELSE 1 END, released_at, address_index " +
                        $"LIMIT 1 {database.Dialect.ForUpdateSkipLocked}) RETURNING address_index", transaction)
                        .With("server", row.ServerId).With("capacity", capacity))
                    {
                        if (quarantine > TimeSpan.Zero)
                        {
                            take.With("rested", timeProvider.GetUtcNow() - quarantine);
                        }

                        if (await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not { } taken || taken is DBNull)
                        {
                            return (InsertOutcome.SlotTaken, null);
                        }

                        slot = Convert.ToInt32(taken, CultureInfo.InvariantCulture);
                    }

                    var recorded = row with { AddressIndex = slot, Address = addressOf(slot) };
                    using (var insert = connection.CreateCommand(
                        "INSERT INTO wg_keys (server_id, public_key, private_key_protected, address_index, address, state, client, client_slot, allocated_at, " +
                        "rx_bytes, tx_bytes, last_activity_at) VALUES (@server, @key, @private, @slot, @address, 'active', @client, @clientSlot, @now, 0, 0, @now)",
                        transaction)
                        .With("server", recorded.ServerId).With("key", recorded.PublicKey).With("private", recorded.PrivateKeyProtected).With("slot", slot)
                        .With("address", recorded.Address).With("client", recorded.Client).With("clientSlot", recorded.ClientSlot).With("now", recorded.AllocatedAt))
                    {
                        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return (InsertOutcome.Inserted, recorded);
                }
            }
            catch (DbException ex) when (database.Dialect.TryGetUniqueViolation(ex, out var violation))
            {
                if (violation.Matches("ux_wg_keys_active_client_slot", "client", "client_slot"))
                {
                    return (InsertOutcome.ClientSlotTaken, null);
                }

                if (violation.Matches("ux_wg_keys_public_key", "public_key"))
                {
                    return (InsertOutcome.PublicKeyTaken, null);
                }

                throw; // ux_wg_keys_active_slot: a slot marked free while its key is active would be a bug, not a race
            }
        }
    }

    /// <summary>Releases an active key: the one caller that moves it out of <c>active</c> gets the row.</summary>
    public async Task<KeyRow?> ReleaseAsync(string publicKey, string reason, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await ReleaseWhereAsync("public_key = @key", now, reason, cancellationToken, ("key", publicKey)).ConfigureAwait(false)).SingleOrDefault();

    /// <summary>Releases the server's active keys idle since before <paramref name="cutoff"/> (by activity, or by allocation).</summary>
    public Task<IReadOnlyList<KeyRow>> ReleaseIdleAsync(string serverId, DateTimeOffset cutoff, bool byAllocation, DateTimeOffset now, CancellationToken cancellationToken) =>
        ReleaseWhereAsync($"server_id = @server AND {(byAllocation ? "allocated_at" : "last_activity_at")} < @cutoff", now, byAllocation ? "expired" : "idle",
            cancellationToken, ("server", serverId), ("cutoff", cutoff));

    /// <summary>Active keys, of one server or all, oldest first.</summary>
    public async Task<IReadOnlyList<KeyRow>> ListActiveAsync(string? serverId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                $"SELECT {Columns} FROM wg_keys WHERE state = 'active'{(serverId is null ? string.Empty : " AND server_id = @server")} ORDER BY allocated_at, id", null);
            if (serverId is not null)
            {
                select.With("server", serverId);
            }

            return await ReadAsync(select, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A client's active keys (newest first), optionally on one server.</summary>
    public async Task<IReadOnlyList<KeyRow>> ListActiveForClientAsync(string client, string? serverId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                $"SELECT {Columns} FROM wg_keys WHERE state = 'active' AND client = @client{(serverId is null ? string.Empty : " AND server_id = @server")} ORDER BY allocated_at DESC, id DESC",
                null).With("client", client);
            if (serverId is not null)
            {
                select.With("server", serverId);
            }

            return await ReadAsync(select, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records what the interface reported for active keys (only while they are still active).</summary>
    public async Task RecordActivityAsync(IReadOnlyList<ActivityUpdate> updates, CancellationToken cancellationToken)
    {
        if (updates.Count == 0)
        {
            return;
        }

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using var update = connection.CreateCommand(
                    "UPDATE wg_keys SET last_handshake_at = @handshake, rx_bytes = @rx, tx_bytes = @tx, last_activity_at = @activity " +
                    "WHERE id = @id AND state = 'active'", transaction);
                foreach (var u in updates)
                {
                    update.Parameters.Clear();
                    update.With("handshake", u.LastHandshake).With("rx", u.ReceivedBytes).With("tx", u.SentBytes).With("activity", u.LastActivity).With("id", u.Id);
                    await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<IReadOnlyList<KeyRow>> ReleaseWhereAsync(
        string condition, DateTimeOffset now, string reason, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // The private key (if kept) goes with the release: a released key is never handed out again.
                IReadOnlyList<KeyRow> released;
                using (var update = connection.CreateCommand(
                    $"UPDATE wg_keys SET state = 'released', released_at = @now, release_reason = @reason, private_key_protected = NULL " +
                    $"WHERE state = 'active' AND {condition} RETURNING {Columns}", transaction).With("now", now).With("reason", reason))
                {
                    foreach (var (name, value) in parameters)
                    {
                        update.With(name, value);
                    }

                    released = await ReadAsync(update, cancellationToken).ConfigureAwait(false);
                }

                using var free = connection.CreateCommand(
                    "UPDATE wg_slots SET state = 'free', released_at = @now WHERE server_id = @server AND address_index = @slot AND state = 'active'", transaction);
                foreach (var key in released)
                {
                    free.Parameters.Clear();
                    free.With("now", now).With("server", key.ServerId).With("slot", key.AddressIndex);
                    await free.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return released;
            }
        }
    }

    private static async Task<IReadOnlyList<KeyRow>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<KeyRow>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new KeyRow(
                Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture), reader.GetString(5), reader.GetString(6), reader.GetString(7),
                reader.IsDBNull(8) ? null : Convert.ToInt32(reader.GetValue(8), CultureInfo.InvariantCulture), reader.GetFieldValue<DateTimeOffset>(9),
                Instant(reader, 10), reader.IsDBNull(11) ? null : reader.GetString(11), Instant(reader, 12),
                Convert.ToInt64(reader.GetValue(13), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(14), CultureInfo.InvariantCulture),
                reader.GetFieldValue<DateTimeOffset>(15)));
        }

        return rows;
    }

    private static DateTimeOffset? Instant(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}

/// <summary>How an insert went.</summary>
internal enum InsertOutcome
{
    Inserted,

    /// <summary>No free slot (within capacity) was left.</summary>
    SlotTaken,
    ClientSlotTaken,
    PublicKeyTaken,
}

/// <summary>A <c>wg_keys</c> row.</summary>
internal sealed record KeyRow(
    long Id,
    string ServerId,
    string PublicKey,
    string? PrivateKeyProtected,
    int AddressIndex,
    string Address,
    string State,
    string Client,
    int? ClientSlot,
    DateTimeOffset AllocatedAt,
    DateTimeOffset? ReleasedAt,
    string? ReleaseReason,
    DateTimeOffset? LastHandshakeAt,
    long ReceivedBytes,
    long SentBytes,
    DateTimeOffset LastActivityAt);

/// <summary>What the interface reported for an active key.</summary>
internal sealed record ActivityUpdate(long Id, DateTimeOffset? LastHandshake, long ReceivedBytes, long SentBytes, DateTimeOffset LastActivity);
