using ProxyKit.Bench;

return args.FirstOrDefault() switch
{
    "coordination" => await CoordinationBench.RunAsync(args[1..]),
    "relay" => await RelayBench.RunAsync(args[1..]),
    "instances" => await InstancesBench.RunAsync(args[1..]),
    "ledger" => await LedgerBench.RunAsync(args[1..]),
    "keys" => await KeysBench.RunAsync(args[1..]),
    "parse" => await ParseBench.RunAsync(args[1..]),
    "pool" => await PoolBench.RunAsync(args[1..]),
    "sweep" => await CheckSweepBench.RunAsync(args[1..]),
    "sessions" => await SessionsBench.RunAsync(args[1..]),
    "external" => await ExternalSocksBench.RunAsync(args[1..]),
    "wireguard-sync" => await WireGuardSyncBench.RunAsync(args[1..]),
    "wireguard-keys" => await WireGuardKeysBench.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ProxyKit.Bench coordination [--redis host:port] [--seconds N] [--concurrency N]");
    Console.Error.WriteLine(RelayBench.Usage);
    Console.Error.WriteLine(InstancesBench.Usage);
    Console.Error.WriteLine(LedgerBench.Usage);
    Console.Error.WriteLine(KeysBench.Usage);
    Console.Error.WriteLine(ParseBench.Usage);
    Console.Error.WriteLine(PoolBench.Usage);
    Console.Error.WriteLine(CheckSweepBench.Usage);
    Console.Error.WriteLine(SessionsBench.Usage);
    Console.Error.WriteLine(WireGuardSyncBench.Usage);
    Console.Error.WriteLine(WireGuardKeysBench.Usage);
    Console.Error.WriteLine(ExternalSocksBench.Usage);
    return 2;
}
