using System.Text;
using System.Text.Json;

namespace ProxyKit.Cli.Tests;

/// <summary>The built CLI run as a process over the pool's real parsers (those <c>AddProxyKitPool()</c> registers).</summary>
public sealed class ParseCommandProcessTests : IDisposable
{
    // A plain list as found in the wild: BOM, CRLF mixed with LF, a comment holding an address, blank and padded lines,
    // a duplicate, a line with no proxy, and the same ip:port under another protocol (a distinct proxy).
    private const string PlainList =
        "\uFEFF# free proxies, updated hourly: 203.0.113.9:80\r\n"
        + "192.0.2.1:8080\r\n"
        + "socks5h://alice:s%40cret@[2001:DB8::1]:1080\r\n"
        + "\r\n"
        + "192.0.2.1:8080\n"
        + "   HTTP://192.0.2.2:3128   \n"
        + "198.51.100.7:1080:bob:Hun%ter2\n"
        + "not a proxy\n"
        + "socks4://192.0.2.1:8080\n";

    private readonly string _directory = Directory.CreateTempSubdirectory("proxykit-parse-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Json_of_a_plain_list_is_exact()
    {
        var file = Write("proxies.txt", PlainList);

        var (exitCode, output, error) = await RunAsync("parse", file, "--json");

        exitCode.ShouldBe(0, error);
        output.ShouldBe(
            """{"proxies":["""
            + """{"ip":"192.0.2.1","port":8080,"protocol":null,"username":null,"password":null},"""
            + """{"ip":"2001:db8::1","port":1080,"protocol":"socks5","username":"alice","password":"s@cret"},"""
            + """{"ip":"192.0.2.2","port":3128,"protocol":"http","username":null,"password":null},"""
            + """{"ip":"198.51.100.7","port":1080,"protocol":null,"username":"bob","password":"Hun%ter2"},"""
            + """{"ip":"192.0.2.1","port":8080,"protocol":"socks4","username":null,"password":null}"""
            + """],"rejected":1,"duplicates":1}""" + "\n");
        error.ShouldBeEmpty();

        using var json = JsonDocument.Parse(output);
        json.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["proxies", "rejected", "duplicates"]);
        foreach (var proxy in json.RootElement.GetProperty("proxies").EnumerateArray())
        {
            proxy.EnumerateObject().Select(p => p.Name).ShouldBe(["ip", "port", "protocol", "username", "password"]);
            proxy.GetProperty("port").ValueKind.ShouldBe(JsonValueKind.Number);
        }

        var first = json.RootElement.GetProperty("proxies")[0];
        first.GetProperty("protocol").ValueKind.ShouldBe(JsonValueKind.Null);
        first.GetProperty("username").ValueKind.ShouldBe(JsonValueKind.Null);
        json.RootElement.GetProperty("rejected").GetInt32().ShouldBe(1);
        json.RootElement.GetProperty("duplicates").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Default_protocol_fills_in_where_the_list_states_none()
    {
        var file = Write("proxies.txt", PlainList);

        var (exitCode, output, error) = await RunAsync("parse", file, "--json", "--default-protocol", "SOCKS5H");

        exitCode.ShouldBe(0, error);
        using var json = JsonDocument.Parse(output);
        var protocols = json.RootElement.GetProperty("proxies").EnumerateArray().Select(p => p.GetProperty("protocol").GetString()).ToArray();
        protocols.ShouldBe(["socks5", "socks5", "http", "socks5", "socks4"]);
        json.RootElement.GetProperty("duplicates").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Lines_of_a_plain_list_with_a_summary_on_stderr()
    {
        var file = Write("proxies.txt", PlainList);

        var (exitCode, output, error) = await RunAsync("parse", file);

        exitCode.ShouldBe(0, error);
        output.ShouldBe(
            "192.0.2.1:8080\n"
            + "socks5://alice:s%40cret@[2001:db8::1]:1080\n"
            + "http://192.0.2.2:3128\n"
            + "bob:Hun%ter2@198.51.100.7:1080\n"
            + "socks4://192.0.2.1:8080\n");
        error.ShouldBe("5 proxies, 1 rejected, 1 duplicates (parser plaintext)\n");
    }

    [Fact]
    public async Task Lines_read_back_to_the_same_proxies()
    {
        var file = Write("proxies.txt", PlainList);
        var (_, lines, _) = await RunAsync("parse", file);
        var (_, original, _) = await RunAsync("parse", file, "--json");
        var again = Write("again.txt", lines);

        var (exitCode, roundTrip, error) = await RunAsync("parse", again, "--json");

        exitCode.ShouldBe(0, error);
        roundTrip.ShouldBe(original.Replace("\"rejected\":1,\"duplicates\":1", "\"rejected\":0,\"duplicates\":0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Json_of_a_json_list_is_exact()
    {
        // Fields found by name, metadata never mined for addresses, several protocols yield one proxy each, a record
        // with no proxy is rejected, the same proxy again is a duplicate.
        var file = Write("proxies.json", """
            [
              {"host": "192.0.2.10", "port": 8080, "type": "http", "export_address": ["203.0.113.1:80"], "alive": false},
              {"ip": "192.0.2.11", "port": "1080", "protocols": ["socks4", "socks5"]},
              {"ip": "192.0.2.10", "port": 8080, "protocol": "HTTP"},
              {"note": "ad"},
              {"ip": "2001:db8::2", "port": 3128}
            ]
            """);

        var (exitCode, output, error) = await RunAsync("parse", file, "--json");

        exitCode.ShouldBe(0, error);
        output.ShouldBe(
            """{"proxies":["""
            + """{"ip":"192.0.2.10","port":8080,"protocol":"http","username":null,"password":null},"""
            + """{"ip":"192.0.2.11","port":1080,"protocol":"socks4","username":null,"password":null},"""
            + """{"ip":"192.0.2.11","port":1080,"protocol":"socks5","username":null,"password":null},"""
            + """{"ip":"2001:db8::2","port":3128,"protocol":null,"username":null,"password":null}"""
            + """],"rejected":1,"duplicates":1}""" + "\n");

        var (_, lines, summary) = await RunAsync("parse", file);
        lines.ShouldEndWith("[2001:db8::2]:3128\n");
        summary.ShouldBe("4 proxies, 1 rejected, 1 duplicates (parser json)\n");
    }

    [Fact]
    public async Task A_dash_reads_standard_input()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var cli = CliProcess.StartWithInput("192.0.2.1:8080\nsocks5://192.0.2.2:1080\n", "parse", "-", "--json");

        var (exitCode, output, error) = await cli.WaitForExitAsync(timeout.Token);

        exitCode.ShouldBe(0, error);
        output.ShouldBe(
            """{"proxies":[{"ip":"192.0.2.1","port":8080,"protocol":null,"username":null,"password":null},{"ip":"192.0.2.2","port":1080,"protocol":"socks5","username":null,"password":null}],"rejected":0,"duplicates":0}""" + "\n");
    }

    [Fact]
    public async Task A_200000_line_list_parses()
    {
        const int Count = 200_000;
        var path = Path.Combine(_directory, "big.txt");
        using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            for (var i = 0; i < Count; i++)
            {
                writer.Write(i % 2 == 0 ? $"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}:{1024 + (i % 60_000)}\n" : $"socks5://10.{i >> 16}.{(i >> 8) & 255}.{i & 255}:1080\r\n");
            }
        }

        var (exitCode, output, error) = await RunAsync(TimeSpan.FromSeconds(60), "parse", path, "--json");

        exitCode.ShouldBe(0, error);
        using var json = JsonDocument.Parse(output);
        var proxies = json.RootElement.GetProperty("proxies");
        proxies.GetArrayLength().ShouldBe(Count);
        proxies[Count - 1].GetProperty("ip").GetString().ShouldBe($"10.{(Count - 1) >> 16}.{((Count - 1) >> 8) & 255}.{(Count - 1) & 255}");
        json.RootElement.GetProperty("rejected").GetInt32().ShouldBe(0);
        json.RootElement.GetProperty("duplicates").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task A_missing_file_exits_with_1_without_a_stack_trace()
    {
        var missing = Path.Combine(_directory, "missing.txt");

        var (exitCode, output, error) = await RunAsync("parse", missing);

        exitCode.ShouldBe(1);
        error.ShouldBe($"proxykit parse: cannot read '{missing}': Could not find file '{missing}'.\n");
        output.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_directory_exits_with_1()
    {
        var (exitCode, output, error) = await RunAsync("parse", _directory);

        exitCode.ShouldBe(1);
        error.ShouldBe($"proxykit parse: cannot read '{_directory}': it is a directory, not a file.\n");
        output.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("--parser: 'xml' is not a parser; known parsers: ", "--parser", "xml")]
    [InlineData("--default-protocol: 'ftp' is not one of http, https, socks4, socks5.", "--default-protocol", "ftp")]
    [InlineData("--default-protocol: 'socks' is not one of http, https, socks4, socks5.", "--default-protocol", "socks")]
    public async Task Bad_arguments_exit_with_2_and_say_why(string message, params string[] args)
    {
        var file = Write("proxies.txt", PlainList);

        var (exitCode, output, error) = await RunAsync(["parse", file, .. args]);

        exitCode.ShouldBe(2);
        error.ShouldContain(message);
        error.ShouldContain("Run 'proxykit parse --help' for usage.");
        output.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_unknown_parser_lists_the_parser_names()
    {
        var file = Write("proxies.txt", PlainList);

        var (exitCode, _, error) = await RunAsync("parse", file, "--parser", "xml");

        exitCode.ShouldBe(2);
        error.ShouldContain("plaintext");
    }

    [Fact]
    public async Task Parser_names_are_case_insensitive()
    {
        var file = Write("proxies.txt", PlainList);

        var (exitCode, _, error) = await RunAsync("parse", file, "--parser", "PlainText");

        exitCode.ShouldBe(0, error);
        error.ShouldBe("5 proxies, 1 rejected, 1 duplicates (parser plaintext)\n");
    }

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => RunAsync(TimeSpan.FromSeconds(15), args);

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(TimeSpan limit, params string[] args)
    {
        using var timeout = new CancellationTokenSource(limit);
        using var cli = CliProcess.Start(args);
        return await cli.WaitForExitAsync(timeout.Token);
    }

    private static bool CanRead(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }
}
