using System.Text.Json;

namespace ProxyKit.Pool.Notifications;

/// <summary>The JSON shape of an event on the wire (webhook bodies, event bus payloads): <c>{id, type, occurred_at, data}</c>.</summary>
internal static class PoolEventJson
{
    public static byte[] Serialize(PoolEvent poolEvent)
    {
        ArgumentNullException.ThrowIfNull(poolEvent);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", poolEvent.Id);
            writer.WriteString("type", poolEvent.Type);
            writer.WriteString("occurred_at", poolEvent.OccurredAt.ToUniversalTime());
            writer.WritePropertyName("data");
            WriteData(writer, poolEvent.Data);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Serializes only the event's data object.</summary>
    public static byte[] SerializeData(IReadOnlyDictionary<string, object?> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteData(writer, data);
        }

        return buffer.ToArray();
    }

    private static void WriteData(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?> data)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in data)
        {
            writer.WritePropertyName(key);
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                JsonSerializer.Serialize(writer, value, value.GetType());
            }
        }

        writer.WriteEndObject();
    }
}
