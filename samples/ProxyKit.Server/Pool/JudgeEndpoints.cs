namespace ProxyKit.Server.Pool;

/// <summary>The anonymity judge the checkers call through proxies under test.</summary>
internal static class JudgeEndpoints
{
    public static IEndpointRouteBuilder MapJudgeEndpoints(this IEndpointRouteBuilder endpoints) => endpoints;
}
