using System.Globalization;
using System.Runtime.InteropServices;

namespace ProxyKit.Bench;

/// <summary>Linux process facts for the relay bench: resident memory, the open-file limit, and which process listens on a port.</summary>
internal static partial class ProcessResources
{
    private const int RlimitNofile = 7; // Linux, x86-64 and arm64
    private static readonly string[] TcpTables = ["/proc/net/tcp", "/proc/net/tcp6"];

    /// <summary>Gets a process's resident set size in bytes (VmRSS of /proc/PID/status).</summary>
    public static long ResidentBytes(int pid = 0)
    {
        var path = pid == 0 ? "/proc/self/status" : $"/proc/{pid}/status";
        var line = File.ReadLines(path).First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Gets the summed resident set size of several processes; ones that have exited count as 0.</summary>
    public static long ResidentBytes(IEnumerable<int> pids) => pids.Sum(pid =>
    {
        try
        {
            return ResidentBytes(pid);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0L;
        }
    });

    /// <summary>Gets this process's soft limit on open files (RLIMIT_NOFILE), from /proc/self/limits.</summary>
    public static long OpenFileLimit()
    {
        var line = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return soft == "unlimited" ? long.MaxValue : long.Parse(soft, CultureInfo.InvariantCulture);
    }

    /// <summary>Raises this process's open-file limit (soft and, if needed, hard: that takes root) to at least <paramref name="needed"/>.</summary>
    public static bool TryRaiseOpenFileLimit(long needed)
    {
        if (OpenFileLimit() >= needed)
        {
            return true;
        }

        var limit = new ResourceLimit { Current = (ulong)needed, Maximum = (ulong)needed };
        return OperatingSystem.IsLinux() && SetResourceLimit(RlimitNofile, ref limit) == 0 && OpenFileLimit() >= needed;
    }

    /// <summary>
    /// Finds the processes that hold the socket listening on TCP <paramref name="port"/> (from /proc/net/tcp{,6} and
    /// every /proc/PID/fd), plus their descendants (a forking server serves tunnels from children); empty if none is visible.
    /// </summary>
    public static IReadOnlyList<int> ListeningProcessTree(int port)
    {
        var inodes = new HashSet<string>();
        foreach (var table in TcpTables.Where(File.Exists))
        {
            foreach (var fields in File.ReadLines(table).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            {
                var local = fields[1];
                if (fields[3] == "0A" && int.Parse(local.AsSpan(local.IndexOf(':', StringComparison.Ordinal) + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    inodes.Add($"socket:[{fields[9]}]");
                }
            }
        }

        var self = Environment.ProcessId;
        var owners = new HashSet<int>();
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == self)
            {
                continue;
            }

            try
            {
                // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
                var stat = File.ReadAllText($"{directory}/stat");
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (inodes.Count > 0 && Directory.EnumerateFileSystemEntries($"{directory}/fd").Any(fd => inodes.Contains(new FileInfo(fd).LinkTarget ?? string.Empty)))
                {
                    owners.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Exited meanwhile, or not ours to read.
            }
        }

        var tree = new HashSet<int>(owners);
        bool grew;
        do
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                grew |= tree.Contains(parent) && tree.Add(pid);
            }
        }
        while (grew);

        return [.. tree.Order()];
    }

    /// <summary>The process's command name (/proc/PID/comm), or for <c>dotnet app.dll</c> the app's name.</summary>
    public static string CommandName(int pid)
    {
        var argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        return argv.Length > 1 && Path.GetFileName(argv[0]) == "dotnet" && argv[1].EndsWith(".dll", StringComparison.Ordinal)
            ? Path.GetFileNameWithoutExtension(argv[1])
            : File.ReadAllText($"/proc/{pid}/comm").Trim();
    }

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetResourceLimit(int resource, ref ResourceLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
