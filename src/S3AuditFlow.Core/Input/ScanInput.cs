namespace S3AuditFlow.Core.Input;

/// <summary>One input to scan: a file, or standard input ("-").</summary>
/// <param name="Name">How reports name it (the path as found, or "-").</param>
/// <param name="Length">Size on disk for progress, or 0 when unknown.</param>
public sealed record ScanInput(string Name, Func<Stream> OpenRaw, long Length)
{
    /// <summary>File extensions picked up when a folder is scanned (a .gz of either is recognised by content).</summary>
    public static readonly string[] FolderExtensions = [".json", ".jsonl", ".json.gz", ".jsonl.gz"];

    /// <summary>A file on disk.</summary>
    public static ScanInput FromFile(string path) => new(path, () => File.OpenRead(path), new FileInfo(path).Length);

    /// <summary>Expands arguments into inputs: files as given, folders recursively (sorted, matching extensions only), "-" as stdin.</summary>
    /// <exception cref="FileNotFoundException">A path that is neither a file nor a folder.</exception>
    public static List<ScanInput> Expand(IEnumerable<string> paths, Func<Stream> stdin)
    {
        var inputs = new List<ScanInput>();
        foreach (var path in paths)
        {
            if (path == "-")
                inputs.Add(new ScanInput("-", stdin, 0));
            else if (File.Exists(path))
                inputs.Add(FromFile(path));
            else if (Directory.Exists(path))
                inputs.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => FolderExtensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                    .Order(StringComparer.Ordinal)
                    .Select(FromFile));
            else
                throw new FileNotFoundException($"no such file or folder: {path}", path);
        }
        return inputs;
    }

    /// <summary>Opens the input, decompressing gzip when its first bytes say so (whatever the file is called).</summary>
    /// <param name="onRawBytes">Told how many raw (still compressed) bytes each read took, for progress.</param>
    public Stream Open(Action<long>? onRawBytes = null)
    {
        var raw = onRawBytes is null ? OpenRaw() : new CountingStream(OpenRaw(), onRawBytes);
        var head = new byte[2];
        var read = raw.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        Stream rewound;
        if (raw.CanSeek)
        {
            raw.Position = 0;
            rewound = raw;
        }
        else
        {
            rewound = new PrefixedStream(head.AsMemory(0, read), raw);
        }
        return read == 2 && head[0] == 0x1f && head[1] == 0x8b ? new GzipIntegrityStream(rewound) : rewound;
    }
}
