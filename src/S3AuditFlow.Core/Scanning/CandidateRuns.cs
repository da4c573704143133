using System.Text;

namespace S3AuditFlow.Core.Scanning;

/// <summary>
/// The alert candidates of a scan within a memory budget: while they fit they stay in memory; past the budget the
/// ones held are sorted and written to a temporary file (a run), and <see cref="Merged"/> merges the runs back in
/// dedup order. Memory stays near the budget whatever the alert rate; a spilled candidate keeps only its record's
/// bytes and is evaluated again when read back (evaluation is deterministic). Runs are unlinked temporary files
/// (<see cref="SpillFile"/>): nothing is left on disk when the scan ends, however it ends.
/// </summary>
internal sealed class CandidateRuns(long budgetBytes) : IDisposable
{
    /// <summary>Runs merged at once: more are first merged into fewer, so open files and read buffers stay bounded.</summary>
    internal const int MaxMergeWidth = 64;

    private readonly Lock _gate = new();
    // One run written at a time: a second full set waits (holding at most one more budget) instead of adding up.
    private readonly Lock _spilling = new();
    private readonly List<FileStream> _files = [];
    private List<PendingCandidate> _held = [];
    private long _heldBytes;

    /// <summary>Candidates written to disk so far.</summary>
    public long Spilled { get; private set; }

    /// <summary>Runs written to disk by spilling (before any are merged into fewer).</summary>
    public int RunsWritten { get; private set; }

    /// <summary>Adds a candidate; the caller that takes the held set past the budget writes it out as a run.</summary>
    public void Add(PendingCandidate candidate)
    {
        List<PendingCandidate>? full = null;
        lock (_gate)
        {
            _held.Add(candidate);
            _heldBytes += candidate.Footprint;
            if (_heldBytes > budgetBytes)
            {
                (full, _held, _heldBytes) = (_held, [], 0);
            }
        }
        if (full is not null)
            Spill(full);
    }

    /// <summary>Every candidate, in dedup order. Call once, after every Add.</summary>
    /// <exception cref="SpillException">A temporary run could not be written or read back.</exception>
    public IEnumerable<PendingCandidate> Merged()
    {
        _held.Sort(PendingCandidate.Order);
        if (_files.Count == 0)
            return _held;
        while (_files.Count > MaxMergeWidth)
        {
            // Merge the oldest runs into one, until one more merge of all of them stays within the width.
            var batch = _files.Take(MaxMergeWidth).ToList();
            _files.RemoveRange(0, batch.Count);
            var merged = Write(Merge([.. batch.Select(f => new FileRun(f))]));
            batch.ForEach(f => f.Dispose());
            _files.Add(merged);
        }
        return Guarded(Merge([new MemoryRun(_held), .. _files.Select(f => new FileRun(f))]));
    }

    public void Dispose()
    {
        foreach (var file in _files)
            file.Dispose();
        _files.Clear();
    }

    private void Spill(List<PendingCandidate> candidates)
    {
        lock (_spilling)
        {
            candidates.Sort(PendingCandidate.Order);
            var file = Write(candidates);
            lock (_gate)
            {
                _files.Add(file);
                Spilled += candidates.Count;
                RunsWritten++;
            }
        }
    }

    /// <summary>Writes sorted candidates to a new run, positioned for reading back.</summary>
    private static FileStream Write(IEnumerable<PendingCandidate> sorted)
    {
        var file = SpillFile.Create();
        try
        {
            using var writer = new BinaryWriter(new BufferedStream(file, 1 << 16), Encoding.UTF8, leaveOpen: true);
            foreach (var c in sorted)
            {
                writer.Write(c.EventTime.UtcTicks);
                writer.Write(c.EventId);
                writer.Write(c.ContentHash);
                writer.Write(c.Input);
                writer.Write(c.Ordinal);
                writer.Write(c.Record.Length);
                writer.Write(c.Record);
            }
            return file;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file.Dispose();
            throw new SpillException(e);
        }
    }

    /// <summary>Reading a run back can fail too (an I/O error on the temporary disk): that ends the scan as a spill failure.</summary>
    private static IEnumerable<PendingCandidate> Guarded(IEnumerable<PendingCandidate> merged)
    {
        using var enumerator = merged.GetEnumerator();
        while (true)
        {
            try
            {
                if (!enumerator.MoveNext())
                    yield break;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SpillException(e);
            }
            yield return enumerator.Current;
        }
    }

    private static IEnumerable<PendingCandidate> Merge(IReadOnlyList<IEnumerator<PendingCandidate>> runs)
    {
        var heads = new PriorityQueue<IEnumerator<PendingCandidate>, PendingCandidate>(PendingCandidate.Order);
        foreach (var run in runs)
        {
            if (run.MoveNext())
                heads.Enqueue(run, run.Current);
        }
        while (heads.TryDequeue(out var run, out var next))
        {
            yield return next;
            if (run.MoveNext())
                heads.Enqueue(run, run.Current);
        }
    }

    private sealed class MemoryRun(List<PendingCandidate> sorted) : IEnumerator<PendingCandidate>
    {
        private int _index = -1;

        public PendingCandidate Current => sorted[_index];

        object System.Collections.IEnumerator.Current => Current;

        public bool MoveNext() => ++_index < sorted.Count;

        public void Reset() => _index = -1;

        public void Dispose()
        {
        }
    }

    /// <summary>Reads a run back from its start; entries carry no candidate (it is evaluated again from the record).</summary>
    private sealed class FileRun : IEnumerator<PendingCandidate>
    {
        private const int HashLength = 32;
        private readonly BinaryReader _reader;
        private readonly long _length;

        public FileRun(FileStream file)
        {
            file.Position = 0;
            _length = file.Length;
            _reader = new BinaryReader(new BufferedStream(file, 1 << 16), Encoding.UTF8, leaveOpen: true);
        }

        public PendingCandidate Current { get; private set; } = null!;

        object System.Collections.IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (_reader.BaseStream.Position >= _length)
                return false;
            var time = new DateTimeOffset(_reader.ReadInt64(), TimeSpan.Zero);
            var eventId = _reader.ReadString();
            var hash = _reader.ReadBytes(HashLength);
            var input = _reader.ReadInt32();
            var ordinal = _reader.ReadInt64();
            var record = _reader.ReadBytes(_reader.ReadInt32());
            Current = new PendingCandidate(time, eventId, hash, input, ordinal, record, null, null);
            return true;
        }

        public void Reset() => throw new NotSupportedException();

        public void Dispose() => _reader.Dispose();
    }
}
