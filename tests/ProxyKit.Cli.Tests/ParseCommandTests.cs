using System.CommandLine;
using System.Text;
using System.Text.Json;
using ProxyKit.Cli.Commands;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Cli.Tests;

/// <summary>The command's options and its own logic, in-process, over a test double parser (<see cref="FakeProxyParser"/>).</summary>
public sealed class ParseCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("proxykit-parse-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Defaults_detect_the_parser_and_print_lines_without_a_default_protocol()
    {
        var (command, parse) = Parse("parse", "list.txt");

        var settings = command.CreateSettings(parse);

        settings.ShouldBe(new ParseSettings("list.txt", null, null, false));
    }

    [Fact]
    public void Every_option_maps_to_the_settings()
    {
        var (command, parse) = Parse("parse", "-", "--parser", "json", "--default-protocol", "SOCKS5", "--json");

        var settings = command.CreateSettings(parse);

        settings.ShouldBe(new ParseSettings("-", "json", "socks5", true));
    }

    [Theory]
    [InlineData("http", "http")]
    [InlineData("HTTPS", "https")]
    [InlineData("Socks4", "socks4")]
    [InlineData("socks4a", "socks4")]
    [InlineData("SOCKS5H", "socks5")]
    public void Default_protocol_is_case_insensitive_and_normalised(string given, string expected)
    {
        var (command, parse) = Parse("parse", "list.txt", "--default-protocol", given);

        command.CreateSettings(parse).DefaultProtocol.ShouldBe(expected);
    }

    [Theory]
    [InlineData("--default-protocol: 'ftp' is not one of http, https, socks4, socks5.", "list.txt", "--default-protocol", "ftp")]
    [InlineData("--default-protocol: 'sock5' is not one of http, https, socks4, socks5.", "list.txt", "--default-protocol", "sock5")]
    [InlineData("Required argument 'FILE' missing", "--json")]
    [InlineData("FILE must not be empty", "")]
    [InlineData("--parser: 'xml' is not a parser; known parsers: csv, fake.", "list.txt", "--parser", "xml")]
    public async Task Bad_arguments_are_usage_errors(string message, params string[] args)
    {
        var (exitCode, output, error) = await RunAsync(["parse", .. args]);

        exitCode.ShouldBe(ExitCodes.Usage, error);
        error.ShouldContain(message);
        error.ShouldContain(" parse --help' for usage."); // in-process, the root command is named after the test host
        output.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("192.0.2.1", 8080, null, null, null, "192.0.2.1:8080")]
    [InlineData("192.0.2.1", 8080, "socks5", null, null, "socks5://192.0.2.1:8080")]
    [InlineData("2001:db8::1", 1080, "http", null, null, "http://[2001:db8::1]:1080")]
    [InlineData("2001:db8::1", 1080, null, null, null, "[2001:db8::1]:1080")]
    [InlineData("192.0.2.1", 3128, "https", "alice", "s3cret", "https://alice:s3cret@192.0.2.1:3128")]
    [InlineData("192.0.2.1", 3128, "socks5", "us:er", "p@ss w/%", "socks5://us%3Aer:p%40ss%20w%2F%25@192.0.2.1:3128")]
    [InlineData("192.0.2.1", 3128, null, "alice", "s3cret", "alice:s3cret@192.0.2.1:3128")]
    [InlineData("192.0.2.1", 3128, null, "al%ce", "s3+cret", "al%ce:s3+cret@192.0.2.1:3128")] // scheme-less credentials are read verbatim
    [InlineData("192.0.2.1", 3128, "http", "token", null, "http://token@192.0.2.1:3128")]
    public void Lines_are_urls_that_the_plaintext_parser_reads_back(string ip, int port, string? protocol, string? username, string? password, string expected)
    {
        ParseCommand.Format(new ParsedProxy(ip, port, protocol, username, password)).ShouldBe(expected);
    }

    [Fact]
    public async Task Prints_one_proxy_per_line_and_a_summary_on_stderr()
    {
        var file = Write("list.txt", "192.0.2.1,8080,,,\n2001:db8::1,1080,socks5,alice,s3cret\nnonsense\n192.0.2.1,8080,,,\n");

        var (exitCode, output, error) = await RunAsync(["parse", file]);

        exitCode.ShouldBe(ExitCodes.Success, error);
        output.ShouldBe("192.0.2.1:8080\nsocks5://alice:s3cret@[2001:db8::1]:1080\n");
        error.ShouldBe("2 proxies, 1 rejected, 1 duplicates (parser fake)" + Environment.NewLine);
    }

    [Fact]
    public async Task Json_is_exactly_the_proxies_and_the_counts()
    {
        var file = Write("list.txt", "192.0.2.1,8080,,,\n2001:db8::1,1080,socks5,alice,s3cret\nnonsense\n192.0.2.1,8080,,,\n");

        var (exitCode, output, error) = await RunAsync(["parse", file, "--json"]);

        exitCode.ShouldBe(ExitCodes.Success, error);
        output.ShouldBe(
            """{"proxies":[{"ip":"192.0.2.1","port":8080,"protocol":null,"username":null,"password":null},{"ip":"2001:db8::1","port":1080,"protocol":"socks5","username":"alice","password":"s3cret"}],"rejected":1,"duplicates":1}""" + "\n");
        error.ShouldBeEmpty();
    }

    [Fact]
    public async Task Default_protocol_reaches_the_parse_context()
    {
        var file = Write("list.txt", "192.0.2.1,8080,,,\n192.0.2.1,8080,socks5,,\n192.0.2.2,80,http,,\n");

        var (exitCode, output, error) = await RunAsync(["parse", file, "--default-protocol", "socks5h"]);

        exitCode.ShouldBe(ExitCodes.Success, error);
        output.ShouldBe("socks5://192.0.2.1:8080\nhttp://192.0.2.2:80\n");
        error.ShouldStartWith("2 proxies, 0 rejected, 1 duplicates");
    }

    [Fact]
    public async Task Long_json_is_written_in_chunks_that_split_no_character()
    {
        // Well past the 32 KiB flush threshold, with multi-byte credentials that a chunk boundary could split.
        var lines = Enumerable.Range(0, 5_000).Select(i => $"10.0.{i / 256}.{i % 256},{1000 + i},socks5,пользователь{i},пароль+&<{i}");
        var file = Write("list.txt", string.Join('\n', lines));

        var (exitCode, output, error) = await RunAsync(["parse", file, "--json"]);

        exitCode.ShouldBe(ExitCodes.Success, error);
        using var json = JsonDocument.Parse(output);
        var proxies = json.RootElement.GetProperty("proxies");
        proxies.GetArrayLength().ShouldBe(5_000);
        proxies[4_999].GetProperty("username").GetString().ShouldBe("пользователь4999");
        proxies[4_999].GetProperty("password").GetString().ShouldBe("пароль+&<4999");
        output.ShouldContain("\"password\":\"пароль+&<0\"", Case.Sensitive, "readable, not \\u-escaped");
    }

    [Fact]
    public async Task Detection_sees_the_file_name_and_the_head()
    {
        var parser = new FakeProxyParser("fake");
        var file = Write("proxies.csv", "192.0.2.1,8080,,,\n");

        var (exitCode, _, error) = await RunAsync(["parse", file], parser);

        exitCode.ShouldBe(ExitCodes.Success, error);
        var probe = parser.LastProbe.ShouldNotBeNull();
        probe.FileName.ShouldBe("proxies.csv");
        probe.Declares("csv").ShouldBeTrue();
        probe.Text.ShouldStartWith("192.0.2.1,8080");
    }

    [Fact]
    public async Task A_named_parser_is_used_whatever_detection_says()
    {
        var file = Write("list.txt", "192.0.2.1,8080,,,\n");

        var (exitCode, _, error) = await RunAsync(["parse", file, "--parser", "FAKE"], new FakeProxyParser("fake", _ => false));

        exitCode.ShouldBe(ExitCodes.Success, error);
        error.ShouldEndWith("(parser fake)" + Environment.NewLine);
    }

    [Fact]
    public async Task Content_no_parser_supports_exits_with_3()
    {
        var file = Write("list.txt", "192.0.2.1,8080,,,\n");

        var (exitCode, output, error) = await RunAsync(["parse", file], new FakeProxyParser("fake", _ => false), new FakeProxyParser("csv", _ => false));

        exitCode.ShouldBe(ExitCodes.Unsupported);
        error.ShouldContain("no parser recognises");
        error.ShouldContain("(tried csv, fake); name one with --parser.");
        output.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_missing_file_exits_with_1_and_one_line()
    {
        var (exitCode, output, error) = await RunAsync(["parse", Path.Combine(_directory, "missing.txt")]);

        exitCode.ShouldBe(ExitCodes.Failure);
        error.ShouldStartWith($"proxykit parse: cannot read '{Path.Combine(_directory, "missing.txt")}': ");
        error.Trim().Split('\n').Length.ShouldBe(1, error);
        output.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_directory_exits_with_1()
    {
        var (exitCode, _, error) = await RunAsync(["parse", _directory]);

        exitCode.ShouldBe(ExitCodes.Failure);
        error.ShouldBe($"proxykit parse: cannot read '{_directory}': it is a directory, not a file." + Environment.NewLine);
    }

    [Fact]
    public async Task A_parser_that_throws_is_reported_in_one_line()
    {
        var file = Write("list.txt", "192.0.2.1,8080,,,\nthrow\n");

        var (exitCode, output, error) = await RunAsync(["parse", file, "--parser", "fake"]);

        exitCode.ShouldBe(ExitCodes.Failure);
        error.ShouldBe($"proxykit parse: the fake parser failed on '{file}': InvalidDataException: the fake parser gave up" + Environment.NewLine);
        output.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_dash_reads_standard_input()
    {
        var parser = new FakeProxyParser("fake");
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes("192.0.2.9,1080,socks4,,\n"));

        var (exitCode, output, error) = await RunAsync(["parse", "-"], [parser], () => stdin);

        exitCode.ShouldBe(ExitCodes.Success, error);
        output.ShouldBe("socks4://192.0.2.9:1080\n");
        parser.LastProbe.ShouldNotBeNull().FileName.ShouldBeNull();
    }

    private static (ParseCommand Command, ParseResult Parse) Parse(params string[] args)
    {
        var command = new ParseCommand(() => new ProxyParserRegistry([new FakeProxyParser("fake")]));
        var parse = new RootCommand { command }.Parse(args);
        parse.Errors.ShouldBeEmpty();
        return (command, parse);
    }

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, params IProxySourceParser[] parsers) =>
        RunAsync(args, parsers, stdin: null);

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, IProxySourceParser[] parsers, Func<Stream>? stdin)
    {
        if (parsers.Length == 0)
        {
            parsers = [new FakeProxyParser("fake"), new FakeProxyParser("csv", _ => false)];
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var command = new ParseCommand(() => new ProxyParserRegistry(parsers), stdin);

        var exitCode = await CommandLineRunner.RunAsync(new RootCommand { command }, args, output, error, timeout.Token);

        return (exitCode, output.ToString(), error.ToString());
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
