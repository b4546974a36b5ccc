namespace ProxyKit.Storage;

/// <summary>
/// A unique or primary-key violation, as far as the engine names it. PostgreSQL reports the constraint
/// (index) name; SQLite reports the columns. Match with <see cref="Matches"/>, which accepts either, so a
/// store maps a violation to its business error (e.g. <c>duplicate_session</c>) the same way on both engines.
/// Never includes the offending values (they can be secrets such as session cookies).
/// </summary>
/// <param name="ConstraintName">The violated constraint or index name, when the engine reports it.</param>
/// <param name="Columns">The columns of the violated constraint, when the engine reports them.</param>
public sealed record UniqueViolation(string? ConstraintName, IReadOnlyList<string> Columns)
{
    /// <summary>Gets whether this violation is of the constraint named <paramref name="constraintName"/> over exactly <paramref name="columns"/>.</summary>
    /// <param name="constraintName">The constraint or unique index name the migration created.</param>
    /// <param name="columns">The constraint's columns, in any order.</param>
    public bool Matches(string constraintName, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (ConstraintName is not null && string.Equals(ConstraintName, constraintName, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return Columns.Count > 0
            && Columns.Count == columns.Length
            && Columns.All(c => columns.Contains(c, StringComparer.OrdinalIgnoreCase));
    }
}
