using ProxyKit.Testing.Storage;

namespace ProxyKit.Postgres.Tests;

public sealed class PostgresStorageContractTests() : SqlStorageContractTests(TestEngine.Postgres);
