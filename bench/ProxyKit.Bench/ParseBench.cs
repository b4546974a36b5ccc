using System.Diagnostics;
using System.Globalization;
using System.Text;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Bench;

/// <summary>
/// Plain-text parse rate on a generated 1,000,000-line list (mixed forms, comments, duplicates), against the bare cost
/// of reading the same bytes line by line with a StreamReader, in the same run.
/// </summary>
internal static class ParseBench
{
    public const string Usage = "usage: ProxyKit.Bench parse [--lines N]";

    public static async Task<int> RunAsync(string[] args)
    {
        var at = Array.IndexOf(args, "--lines");
        var lines = at >= 0 ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : 1_000_000;
        var document = Generate(lines);
        Console.WriteLine($"parse: {lines:N0} lines, {document.Length / 1024.0 / 1024.0:0.0} MiB, {Environment.ProcessorCount} cores");

        double baseline = 0, parsed = 0, parsedAndRead = 0;
        ProxyParseContext? context = null;
        for (var round = 0; round < 3; round++)
        {
            var read = Stopwatch.StartNew();
            using (var reader = new StreamReader(new MemoryStream(document), Encoding.UTF8, true, 64 * 1024))
            {
                while (await reader.ReadLineAsync() is not null)
                {
                }
            }

            baseline = Math.Max(baseline, lines / read.Elapsed.TotalSeconds);
            var parse = Stopwatch.StartNew();
            context = new ProxyParseContext();
            await new PlainTextProxyParser().ParseAsync(new MemoryStream(document), context);
            parsed = Math.Max(parsed, lines / parse.Elapsed.TotalSeconds);

            // Extra information: the context makes ParsedProxy records on first read, so also time reading them all.
            foreach (var proxy in context.Proxies)
            {
                ArgumentNullException.ThrowIfNull(proxy);
            }

            parsedAndRead = Math.Max(parsedAndRead, lines / parse.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"baseline: StreamReader.ReadLine           {baseline,14:N0} lines/s");
        Console.WriteLine($"plaintext parser                          {parsed,14:N0} lines/s   {parsed / baseline:0.00}x baseline   ({context!.Proxies.Count:N0} proxies, {context.Rejected:N0} rejected, {context.Duplicates:N0} duplicates)");
        Console.WriteLine($"  then reading every Proxies record       {parsedAndRead,14:N0} lines/s   (extra: records are made on first read)");
        Console.WriteLine($"target: >= 2,000,000 lines/s: {(parsed >= 2_000_000 ? "met" : "NOT met")}");
        return 0;
    }

    private static byte[] Generate(int lines)
    {
        var text = new StringBuilder(lines * 24);
        for (var i = 0; i < lines; i++)
        {
            var ip = $"{10 + (i % 200)}.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}";
            text.Append((i % 10) switch
            {
                0 => $"# comment {i}",
                1 => $"socks5://{ip}:1080",
                2 => $"http://user{i % 97}:pw{i % 13}@{ip}:8080",
                3 => $"{ip}:3128:u:p",
                4 => $"{ip}:8080 (elite, US)",
                5 => "10.0.0.1:80", // duplicates
                _ => $"{ip}:{1024 + (i % 60000)}",
            }).Append(i % 3 == 0 ? "\r\n" : "\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
