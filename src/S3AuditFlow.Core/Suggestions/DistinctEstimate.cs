using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace S3AuditFlow.Core.Suggestions;

/// <summary>
/// Counts distinct texts (object keys) in bounded memory: exact up to <see cref="Capacity"/> distinct values, then
/// a k-minimum-values estimate (keeps the smallest hashes; their spread tells how many there were). A history of
/// millions of reads costs at most a few kilobytes per group.
/// </summary>
public sealed class DistinctEstimate
{
    /// <summary>Distinct values counted exactly; past it the count is an estimate within a few percent.</summary>
    public const int Capacity = 1024;

    private readonly SortedSet<ulong> _smallest = [];

    /// <summary>Counts one value.</summary>
    public void Add(string value) => AddHash(XxHash64.HashToUInt64(MemoryMarshal.AsBytes(value.AsSpan())));

    private void AddHash(ulong hash)
    {
        if (_smallest.Count < Capacity)
        {
            _smallest.Add(hash);
        }
        else if (hash < _smallest.Max && _smallest.Add(hash))
        {
            _smallest.Remove(_smallest.Max);
        }
    }

    /// <summary>True while the count is exact.</summary>
    public bool IsExact => _smallest.Count < Capacity;

    /// <summary>The number of distinct values, exact or estimated.</summary>
    public long Count => IsExact ? _smallest.Count : (long)Math.Round((Capacity - 1) / ((double)_smallest.Max / ulong.MaxValue));

    /// <summary>The distinct values of both, as if every value had been added to one.</summary>
    public static DistinctEstimate Union(IEnumerable<DistinctEstimate> parts)
    {
        var union = new DistinctEstimate();
        foreach (var part in parts)
        {
            foreach (var hash in part._smallest)
                union.AddHash(hash);
        }
        return union;
    }
}
