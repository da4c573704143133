namespace S3AuditFlow.Core.Sensitivity;

/// <summary>
/// A compiled glob over a whole S3 key: <c>*</c> any run of characters within one <c>/</c> segment, <c>**</c> any
/// run across segments, <c>**/</c> also none (so <c>**/x</c> matches <c>x</c>), <c>?</c> one character other than
/// <c>/</c>; everything else is itself, ordinally (S3 keys are case-sensitive).
/// </summary>
/// <remarks>
/// Replaces one NonBacktracking regex per rule (about 0.5 MB each, and a crash on long patterns). The glob becomes
/// a short list of steps, and matching runs them as a set of live positions advanced one key character at a time
/// (Thompson's simulation of the automaton, with no automaton built): O(key × steps) at worst, whatever the
/// wildcards, with the live set on the stack, so nothing is allocated per match. A literal prefix and suffix
/// reject most keys before that.
/// </remarks>
internal sealed class Glob
{
    /// <summary>One step of a compiled glob; internal so the filter compiler reads the same steps the matcher runs.</summary>
    internal enum Op : byte
    {
        /// <summary>The character itself.</summary>
        Char,
        /// <summary><c>?</c>: one character other than <c>/</c>.</summary>
        One,
        /// <summary><c>*</c>: stays on any character other than <c>/</c>, or moves on without one.</summary>
        SegmentStar,
        /// <summary><c>**</c>: stays on any character, or moves on without one.</summary>
        AnyStar,
        /// <summary>
        /// Start of <c>**/</c>, i.e. "(any run ending in <c>/</c>) or nothing": moves on without a character, either
        /// into the AnyStar and DirSlash steps that follow it or past both.
        /// </summary>
        DirStart,
        /// <summary>The <c>/</c> that ends a <c>**/</c>; a step of its own because, unlike a Char, it is optional.</summary>
        DirSlash,
    }

    private readonly Op[] _ops;
    private readonly string _chars;
    private readonly string _prefix;
    private readonly string _suffix;
    private readonly int _minLength;

    /// <summary>The steps, in order, each with its character (meaningful for <see cref="Op.Char"/> and <see cref="Op.DirSlash"/>).</summary>
    internal IEnumerable<(Op Op, char Char)> Steps => _ops.Select((op, i) => (op, _chars[i]));

    /// <summary>The literal characters every matching key starts with.</summary>
    internal string LiteralPrefix => _prefix;

    /// <summary>The literal characters every matching key ends with (after the last wildcard).</summary>
    internal string LiteralSuffix => _suffix;

    private Glob(Op[] ops, string chars)
    {
        _ops = ops;
        _chars = chars;
        var first = Array.FindIndex(ops, op => op != Op.Char);
        var last = Array.FindLastIndex(ops, op => op != Op.Char);
        _prefix = first < 0 ? chars : chars[..first];
        _suffix = first < 0 ? "" : chars[(last + 1)..];
        _minLength = ops.Count(op => op is Op.Char or Op.One);
    }

    /// <summary>Compiles a glob; any text is one. A run of three or more <c>*</c> reads as <c>**</c>, then the rest, as it always did.</summary>
    public static Glob Compile(string glob)
    {
        var ops = new List<Op>(glob.Length);
        var chars = new List<char>(glob.Length);
        void Add(Op op, char c = '\0')
        {
            ops.Add(op);
            chars.Add(c);
        }
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                i++;
                if (i + 1 < glob.Length && glob[i + 1] == '/')
                {
                    i++;
                    Add(Op.DirStart);
                    Add(Op.AnyStar);
                    Add(Op.DirSlash, '/');
                }
                else
                {
                    Add(Op.AnyStar);
                }
            }
            else if (c == '*')
            {
                Add(Op.SegmentStar);
            }
            else if (c == '?')
            {
                Add(Op.One);
            }
            else
            {
                Add(Op.Char, c);
            }
        }
        return new Glob([.. ops], new string([.. chars]));
    }

    /// <summary>True when the whole key matches.</summary>
    public bool IsMatch(string key)
    {
        if (key.Length < _minLength || !key.StartsWith(_prefix, StringComparison.Ordinal) || !key.EndsWith(_suffix, StringComparison.Ordinal))
            return false;
        var ops = _ops.AsSpan();
        // Position i live: the key read so far matches steps [0, i). Position ops.Length live at the end: a match.
        // A glob of real length keeps both sets on the stack; only a huge one (which config load refuses) needs the heap.
        Span<bool> live = ops.Length < 2048 ? stackalloc bool[2 * (ops.Length + 1)] : new bool[2 * (ops.Length + 1)];
        var current = live[..(ops.Length + 1)];
        var next = live[(ops.Length + 1)..];
        current[0] = true;
        Close(ops, current);
        foreach (var c in key)
        {
            next.Clear();
            var any = false;
            for (var i = 0; i < ops.Length; i++)
            {
                if (!current[i])
                    continue;
                var to = ops[i] switch
                {
                    Op.Char => c == _chars[i] ? i + 1 : -1,
                    Op.One => c != '/' ? i + 1 : -1,
                    Op.SegmentStar => c != '/' ? i : -1,
                    Op.AnyStar => i,
                    Op.DirSlash => c == '/' ? i + 1 : -1,
                    _ => -1,
                };
                if (to >= 0)
                {
                    next[to] = true;
                    any = true;
                }
            }
            if (!any)
                return false;
            Close(ops, next);
            var read = current;
            current = next;
            next = read;
        }
        return current[ops.Length];
    }

    /// <summary>Adds the positions reachable without reading a character; they only lead forward, so one pass does.</summary>
    private static void Close(ReadOnlySpan<Op> ops, Span<bool> live)
    {
        for (var i = 0; i < ops.Length; i++)
        {
            if (!live[i])
                continue;
            switch (ops[i])
            {
                case Op.SegmentStar or Op.AnyStar:
                    live[i + 1] = true;
                    break;
                case Op.DirStart:
                    live[i + 1] = true;
                    live[i + 3] = true;
                    break;
            }
        }
    }
}
