using System.CommandLine;
using System.CommandLine.Parsing;

namespace ProxyKit.Cli;

/// <summary>Exit codes of every command.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;

    /// <summary>Bad arguments (the POSIX usage-error convention; System.CommandLine itself would return 1).</summary>
    public const int Usage = 2;

    /// <summary>The input is readable but no parser recognises it (<c>proxykit parse</c>).</summary>
    public const int Unsupported = 3;
}

/// <summary>Parses and invokes a command line, reporting parse and validation errors itself so that they exit with <see cref="ExitCodes.Usage"/>.</summary>
internal static class CommandLineRunner
{
    public static async Task<int> RunAsync(RootCommand root, string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            var command = CommandPath(result.CommandResult);
            foreach (var parseError in result.Errors)
            {
                await error.WriteLineAsync($"{command}: {parseError.Message}");
            }

            await error.WriteLineAsync($"Run '{command} --help' for usage.");
            return ExitCodes.Usage;
        }

        // Commands that run until a signal handle SIGINT/SIGTERM themselves (see ShutdownSignals), so the library must not.
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        return await result.InvokeAsync(configuration, cancellationToken);
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new Stack<string>();
        for (SymbolResult? current = command; current is CommandResult result; current = result.Parent)
        {
            names.Push(result.Command.Name);
        }

        return string.Join(' ', names);
    }
}
