using System.CommandLine;
using ProxyKit.Cli;
using ProxyKit.Cli.Commands;

// Socket completions run inline on the socket engine's threads instead of hopping to the thread pool: for the relay
// that measured about +70% connection churn and +10% bulk throughput on 2 cores (bench/README.md). The relay never
// blocks in a completion, so it is safe here. It must be set before the first socket operation; a caller's choice wins.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

var root = new RootCommand("ProxyKit command-line tool.")
{
    new RelayCommand(),
    new ParseCommand(),
};

return await CommandLineRunner.RunAsync(root, args);
