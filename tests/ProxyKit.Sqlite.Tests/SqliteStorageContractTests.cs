using ProxyKit.Testing.Storage;

namespace ProxyKit.Sqlite.Tests;

public sealed class SqliteStorageContractTests() : SqlStorageContractTests(TestEngine.Sqlite);
