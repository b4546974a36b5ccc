using System.Net;
using ProxyKit.Pool.Checking;

namespace ProxyKit.Pool.Tests.Checking;

public sealed class CsvGeoResolverTests
{
    private const string Database = """
        start,end,country
        # documentation ranges
        192.0.2.0,192.0.2.255,us
        198.51.100.0,198.51.100.127,DE
        198.51.100.128,198.51.100.255,FR

        2001:db8::,2001:db8::ffff,JP
        """;

    [Theory]
    [InlineData("192.0.2.0", "US")]
    [InlineData("192.0.2.255", "US")]
    [InlineData("198.51.100.127", "DE")]
    [InlineData("198.51.100.128", "FR")]
    [InlineData("::ffff:198.51.100.200", "FR")]
    [InlineData("2001:db8::1234", "JP")]
    [InlineData("192.0.3.0", null)]
    [InlineData("10.0.0.1", null)]
    [InlineData("2001:db8::1:0", null)]
    [InlineData("::", null)]
    public void Resolve_Address_FindsItsRange(string address, string? country)
    {
        var resolver = CsvGeoResolver.Parse(new StringReader(Database));

        resolver.Count.ShouldBe(4);
        resolver.Resolve(IPAddress.Parse(address)).ShouldBe(country);
    }

    [Theory]
    [InlineData("192.0.2.0,192.0.2.255")]
    [InlineData("192.0.2.9,192.0.2.1,US")]
    [InlineData("192.0.2.0,2001:db8::,US")]
    [InlineData("nope,192.0.2.1,US")]
    public void Parse_BadLine_ThrowsNamingTheLine(string line)
    {
        Should.Throw<FormatException>(() => CsvGeoResolver.Parse(new StringReader("# header\n" + line)))
            .Message.ShouldContain("line 2");
    }

    [Fact]
    public void Load_File_Reads()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, Database);
        try
        {
            CsvGeoResolver.Load(path).Resolve(IPAddress.Parse("192.0.2.7")).ShouldBe("US");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
