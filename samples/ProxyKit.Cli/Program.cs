using System.CommandLine;
using ProxyKit.Cli;
using ProxyKit.Cli.Commands;

var root = new RootCommand("ProxyKit command-line tool.")
{
    new RelayCommand(),
};

return await CommandLineRunner.RunAsync(root, args);
