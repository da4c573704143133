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

    /// <summary>
    /// Expands arguments into inputs: files as given, folders recursively (sorted, matching extensions only), "-" as
    /// stdin, and what <see cref="InputSelection.Remote"/> expands (s3:// URIs); links to files are read, links to
    /// folders are not followed (so a walk always ends, whatever the links). CloudTrail-Digest files are skipped and
    /// counted in <paramref name="selection"/>, and a folder's files that its trail layout rules out are skipped.
    /// What a folder holds that cannot be scanned is skipped and told to <paramref name="warn"/>, so one odd
    /// entry never stops the scan: a name that is not valid UTF-8 (it cannot be opened as .NET reads it), a broken
    /// link, an unreadable subfolder, and anything of length 0 — an empty file holds no records, and a FIFO, socket
    /// or device (which report no length) would block the scan or never end.
    /// </summary>
    /// <exception cref="FileNotFoundException">A path that is neither a file nor a folder.</exception>
    /// <exception cref="ArgumentException">"-" given more than once: standard input can be read only once.</exception>
    public static List<ScanInput> Expand(IEnumerable<string> paths, Func<Stream> stdin, Action<string>? warn = null, InputSelection? selection = null)
    {
        warn ??= _ => { };
        selection ??= new InputSelection();
        var inputs = new List<ScanInput>();
        var stdinSeen = false;
        foreach (var path in paths)
        {
            if (selection.Remote?.Invoke(path) is { } remote)
            {
                inputs.AddRange(remote);
            }
            else if (path == "-")
            {
                // Two inputs reading one stream in parallel would each get some of its bytes.
                if (stdinSeen)
                    throw new ArgumentException("- (standard input) is given more than once; it can be read only once");
                stdinSeen = true;
                inputs.Add(new ScanInput("-", stdin, 0));
            }
            else if (File.Exists(path))
            {
                // A file named on the command line is read whatever its folders say, but a digest holds no events.
                if (!TrailLayout.IsDigest(path) || selection.Keep(path))
                    inputs.Add(FromFile(path));
            }
            else if (Directory.Exists(path))
            {
                inputs.AddRange(FilesIn(path, warn).Where(selection.Keep).Order(StringComparer.Ordinal).Select(FromFile));
            }
            else
            {
                throw new FileNotFoundException($"no such file or folder: {path}", path);
            }
        }
        return inputs;
    }

    /// <summary>The files under <paramref name="folder"/> with a scanned extension, named from the folder as given.</summary>
    private static List<string> FilesIn(string folder, Action<string> warn)
    {
        var found = new List<string>();
        var pending = new Stack<string>([folder]);
        while (pending.TryPop(out var dir))
        {
            List<FileSystemInfo> entries;
            try
            {
                entries = [.. new DirectoryInfo(dir).EnumerateFileSystemInfos()];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warn($"skipped folder {dir}: {WhyUnopenable(dir, e.Message)}");
                continue;
            }
            foreach (var entry in entries)
            {
                var path = Path.Join(dir, entry.Name);
                if (entry is DirectoryInfo)
                {
                    // A link to a folder is not followed: two links to a parent made one scan walk for 18 minutes.
                    // `find` and `rg` do the same by default; a linked folder named on the command line is read.
                    if (entry.LinkTarget is not null)
                        warn($"skipped {path}: a link to a folder (links to folders are not followed; name it to scan it)");
                    else
                        pending.Push(path);
                    continue;
                }
                if (!FolderExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                    continue;
                var file = new FileInfo(path);
                if (!file.Exists)
                    warn($"skipped {path}: {WhyUnopenable(path, "it does not exist (a broken link?)")}");
                else if (file.Length == 0)
                    warn($"skipped {path}: empty, or not a regular file (a FIFO, socket or device would block the scan)");
                else
                    found.Add(path);
            }
        }
        return found;
    }

    /// <summary>.NET decodes file names as UTF-8, with U+FFFD for bytes that are not: such a name cannot be opened again.</summary>
    private static string WhyUnopenable(string path, string otherwise) =>
        Path.GetFileName(path).Contains('\uFFFD', StringComparison.Ordinal)
            ? "its name is not valid UTF-8, so it cannot be opened (rename it to read it)"
            : otherwise;

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
