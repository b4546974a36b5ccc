namespace ProxyKit.Storage;

/// <summary>The type of a column written by <see cref="SqlDialect.BulkCopyAsync"/>: SQL type names.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The members name SQL column types.")]
public enum BulkColumnType
{
    /// <summary>Text (<see cref="string"/>).</summary>
    Text,

    /// <summary>A 32-bit integer (<see cref="int"/>).</summary>
    Integer,

    /// <summary>A 64-bit integer (<see cref="long"/>).</summary>
    BigInt,

    /// <summary>A double (<see cref="double"/>).</summary>
    DoublePrecision,

    /// <summary>A boolean (<see cref="bool"/>).</summary>
    Boolean,

    /// <summary>An instant (<see cref="DateTimeOffset"/>, written as UTC).</summary>
    Timestamp,
}

/// <summary>One column of a bulk copy: a trusted identifier and its type.</summary>
public sealed record BulkColumn(string Name, BulkColumnType Type);
