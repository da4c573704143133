namespace S3AuditFlow.Core.Config;

/// <summary>A readable name for an account, shown beside its ID in alerts ("111122223333 (prod-data)").</summary>
public sealed record AccountAlias(string Account, string Alias)
{
    /// <summary>Why the alias cannot be used (a bad ID or an empty alias), or null.</summary>
    public string? Validate() =>
        !AccountId.IsValid(Account) ? $"\"{Account}\" is not an account ID ({AccountId.Rule})"
        : string.IsNullOrWhiteSpace(Alias) ? $"account {Account}: empty alias"
        : null;
}

/// <summary>Account ID → alias, for naming accounts in alerts. Aliases only name: they never decide a verdict.</summary>
public sealed class AccountAliases
{
    private readonly Dictionary<string, string> _aliases;

    /// <summary>No aliases: accounts are named by ID.</summary>
    public static readonly AccountAliases Empty = new([]);

    private AccountAliases(Dictionary<string, string> aliases) => _aliases = aliases;

    /// <summary>Every alias, ordered by account ID.</summary>
    public IReadOnlyList<AccountAlias> All => [.. _aliases.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new AccountAlias(a.Key, a.Value))];

    /// <summary>Builds the map from valid aliases; the rest come back with the reason. A later alias of one account wins.</summary>
    public static AccountAliases Build(IEnumerable<AccountAlias> aliases, out List<(AccountAlias Alias, string Error)> invalid)
    {
        invalid = [];
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var alias in aliases)
        {
            if (alias.Validate() is { } error)
                invalid.Add((alias, error));
            else
                map[alias.Account] = alias.Alias;
        }
        return map.Count == 0 ? Empty : new AccountAliases(map);
    }

    /// <summary>The alias of <paramref name="account"/>, or null.</summary>
    public string? Of(string? account) => account is not null && _aliases.TryGetValue(account, out var alias) ? alias : null;
}
