namespace Valkey.Native.Commands;

/// <summary>
/// Every error reply text in one place, worded exactly as Valkey's (server.c shared.* objects
/// and the command files). Each starts with its error code.
/// </summary>
public static class ErrorMessages
{
    public static ReadOnlySpan<byte> WrongType => "WRONGTYPE Operation against a key holding the wrong kind of value"u8;
    public static ReadOnlySpan<byte> Syntax => "ERR syntax error"u8;
    public static ReadOnlySpan<byte> NotInteger => "ERR value is not an integer or out of range"u8;
    public static ReadOnlySpan<byte> NotFloat => "ERR value is not a valid float"u8;
    public static ReadOnlySpan<byte> NoSuchKey => "ERR no such key"u8;
    public static ReadOnlySpan<byte> OutOfRange => "ERR index out of range"u8;
    public static ReadOnlySpan<byte> InvalidDbIndex => "ERR DB index is out of range"u8;
    public static ReadOnlySpan<byte> NoAuth => "NOAUTH Authentication required."u8;
    public static ReadOnlySpan<byte> InvalidPassword => "WRONGPASS invalid username-password pair or user is disabled."u8;
    public static ReadOnlySpan<byte> AuthNotConfigured => "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"u8;
    public static ReadOnlySpan<byte> Overflow => "ERR increment or decrement would overflow"u8;
    public static ReadOnlySpan<byte> StringTooLong => "ERR string exceeds maximum allowed size (proto-max-bulk-len)"u8;
    public static ReadOnlySpan<byte> InvalidExpireTime(string command) => System.Text.Encoding.ASCII.GetBytes($"ERR invalid expire time in '{command}' command");
    public static ReadOnlySpan<byte> MaxClients => "ERR max number of clients reached"u8;
    public static ReadOnlySpan<byte> SameObject => "ERR source and destination objects are the same"u8;
    public static ReadOnlySpan<byte> NanOrInfinity => "ERR increment would produce NaN or Infinity"u8;
    public static ReadOnlySpan<byte> TimeoutNotFloat => "ERR timeout is not a float or out of range"u8;
    public static ReadOnlySpan<byte> DebugDisabled => "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."u8;
    public static ReadOnlySpan<byte> ProtectedConfig => "ERR CONFIG SET failed"u8;

    public static string WrongArgCount(string fullName) => $"ERR wrong number of arguments for '{fullName}' command";
    public static string UnknownSubcommand(string sub, string container) => $"ERR unknown subcommand '{Truncate(sub, 128)}'. Try {container.ToUpperInvariant()} HELP.";
    public static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
    public static ReadOnlySpan<byte> NoConfigFile => "ERR The server is running without a config file"u8;
    // Set commands (t_set.c; the numkeys/LIMIT texts are shared with the sorted-set *INTERCARD).
    public static ReadOnlySpan<byte> OutOfRangeMustBePositive => "ERR value is out of range, must be positive"u8;
    public static ReadOnlySpan<byte> NumKeysMustBePositive => "ERR numkeys should be greater than 0"u8;
    public static ReadOnlySpan<byte> NumKeysGreaterThanArgs => "ERR Number of keys can't be greater than number of args"u8;
    public static ReadOnlySpan<byte> LimitCantBeNegative => "ERR LIMIT can't be negative"u8;
    // Hash commands (t_hash.c).
    public static ReadOnlySpan<byte> HashValueNotInteger => "ERR hash value is not an integer"u8;
    public static ReadOnlySpan<byte> HashValueNotFloat => "ERR hash value is not a float"u8;
    public static ReadOnlySpan<byte> ValueNanOrInfinity => "ERR value is NaN or Infinity"u8;
    public static ReadOnlySpan<byte> ValueOutOfRange => "ERR value is out of range"u8;
    /// <summary>getRangeLongFromObjectOrReply's own text for the range -LONG_MAX..LONG_MAX (HRANDFIELD, SRANDMEMBER...).</summary>
    public static ReadOnlySpan<byte> ValueMustBetweenSignedLong => "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"u8;
    // Blocking commands (timeout.c getTimeoutFromObjectOrReply; TimeoutNotFloat is above).
    public static ReadOnlySpan<byte> TimeoutNotInteger => "ERR timeout is not an integer or out of range"u8;
    public static ReadOnlySpan<byte> TimeoutNegative => "ERR timeout is negative"u8;
    public static ReadOnlySpan<byte> TimeoutOutOfRange => "ERR timeout is out of range"u8;
    // Hash field expiration (t_hash.c, Valkey 9; the option texts are expire.c's).
    public static ReadOnlySpan<byte> NumFieldsMismatch => "ERR numfields should be greater than 0 and match the provided number of fields"u8;
    public static ReadOnlySpan<byte> NxXxGtLtIncompatible => "ERR NX and XX, GT or LT options at the same time are not compatible"u8;
    public static ReadOnlySpan<byte> GtLtIncompatible => "ERR GT and LT options at the same time are not compatible"u8;
    public static string UnsupportedOption(string option) => "ERR Unsupported option " + option;
    // SORT (sort.c).
    public static ReadOnlySpan<byte> SortScoreNotDouble => "ERR One or more scores can't be converted into double"u8;
    // Sorted-set commands (t_zset.c).
    public static ReadOnlySpan<byte> ZAddXxAndNx => "ERR XX and NX options at the same time are not compatible"u8;
    public static ReadOnlySpan<byte> ZAddGtLtNx => "ERR GT, LT, and/or NX options at the same time are not compatible"u8;
    public static ReadOnlySpan<byte> ZAddIncrSinglePair => "ERR INCR option supports a single increment-element pair"u8;
    public static ReadOnlySpan<byte> ZAddNaN => "ERR resulting score is not a number (NaN)"u8;
    public static ReadOnlySpan<byte> MinMaxNotFloat => "ERR min or max is not a float"u8;
    public static ReadOnlySpan<byte> MinMaxNotStringRange => "ERR min or max not valid string range item"u8;
    public static ReadOnlySpan<byte> ZRangeLimitNeedsByScoreOrLex => "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"u8;
    public static ReadOnlySpan<byte> ZRangeWithScoresByLex => "ERR syntax error, WITHSCORES not supported in combination with BYLEX"u8;
    public static ReadOnlySpan<byte> WeightNotFloat => "ERR weight value is not a float"u8;
    // HyperLogLog commands (hyperloglog.c).
    public static ReadOnlySpan<byte> HllWrongType => "WRONGTYPE Key is not a valid HyperLogLog string value."u8;
    public static ReadOnlySpan<byte> HllCorrupted => "INVALIDOBJ Corrupted HLL object detected"u8;
    public static ReadOnlySpan<byte> HllKeyMissing => "ERR The specified key does not exist"u8;
    public static ReadOnlySpan<byte> HllNotSparse => "ERR HLL encoding is not sparse"u8;
    public static ReadOnlySpan<byte> HllSimdArgument => "ERR Argument must be ON or OFF"u8;
    public static string HllUnknownDebugSubcommand(string sub) => $"ERR Unknown PFDEBUG subcommand '{sub}'";
    // Bitmap commands (bitops.c).
    public static ReadOnlySpan<byte> BitOffsetNotInteger => "ERR bit offset is not an integer or out of range"u8;
    public static ReadOnlySpan<byte> BitNotInteger => "ERR bit is not an integer or out of range"u8;
    public static ReadOnlySpan<byte> BitArgumentNotBinary => "ERR The bit argument must be 1 or 0."u8;
    public static ReadOnlySpan<byte> BitopNotSingleKey => "ERR BITOP NOT must be called with a single source key."u8;
    public static ReadOnlySpan<byte> BitfieldInvalidType => "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."u8;
    public static ReadOnlySpan<byte> BitfieldInvalidOverflow => "ERR Invalid OVERFLOW type specified"u8;
    public static ReadOnlySpan<byte> BitfieldRoOnlyGet => "ERR BITFIELD_RO only supports the GET subcommand"u8;
    // Pub/sub (pubsub.c, server.c processCommand).
    public static string NotAllowedWhileSubscribed(string fullName) =>
        $"ERR Can't execute '{fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
    public static string SubscribeDenyBlocking(string command) => $"ERR {command} isn't allowed for a DENY BLOCKING client";
    public static string SubcommandSyntax(string sub, string container) =>
        $"ERR unknown subcommand or wrong number of arguments for '{Truncate(sub, 128)}'. Try {container} HELP.";
    // Transactions (multi.c, server.c processCommand).
    public static ReadOnlySpan<byte> ExecWithoutMulti => "ERR EXEC without MULTI"u8;
    public static ReadOnlySpan<byte> DiscardWithoutMulti => "ERR DISCARD without MULTI"u8;
    public static ReadOnlySpan<byte> ExecAbort => "EXECABORT Transaction discarded because of previous errors."u8;
    public static ReadOnlySpan<byte> NotAllowedInTransaction => "ERR Command not allowed inside a transaction"u8;
    /// <summary>Ours (Valkey has no limit): the queued arguments of one transaction would pass 2 GB.</summary>
    public static ReadOnlySpan<byte> TransactionTooLarge => "ERR transaction too large"u8;
    /// <summary>EXEC itself rejected (arity, NOAUTH...): the reason without an ERR code, others keep theirs.</summary>
    public static string ExecAbortBecause(string reason) =>
        "EXECABORT Transaction discarded because of: " + (reason.StartsWith("ERR ", StringComparison.Ordinal) ? reason[4..] : reason);
    public static string NotSubscribed(string fullName) => $"NOSUB '{fullName}' command executed not in subscribed mode";
    // Geo (geo.c).
    public static string GeoInvalidLongLat(string longitude, string latitude) => $"ERR invalid longitude,latitude pair {longitude},{latitude}";
    public static ReadOnlySpan<byte> GeoUnsupportedUnit => "ERR unsupported unit provided. please use M, KM, FT, MI"u8;
    public static ReadOnlySpan<byte> GeoNeedNumericRadius => "ERR need numeric radius"u8;
    public static ReadOnlySpan<byte> GeoNegativeRadius => "ERR radius cannot be negative"u8;
    public static ReadOnlySpan<byte> GeoNeedNumericWidth => "ERR need numeric width"u8;
    public static ReadOnlySpan<byte> GeoNeedNumericHeight => "ERR need numeric height"u8;
    public static ReadOnlySpan<byte> GeoNegativeBox => "ERR height or width cannot be negative"u8;
    public static ReadOnlySpan<byte> GeoMemberNotDecoded => "ERR could not decode requested zset member"u8;
    public static ReadOnlySpan<byte> GeoCountNotPositive => "ERR COUNT must be > 0"u8;
    public static ReadOnlySpan<byte> GeoAnyWithoutCount => "ERR the ANY argument requires COUNT argument"u8;
    public static string GeoStoreWithOptions(string what) => $"ERR {what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options";
    public static string GeoNeedFrom(string command) => $"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {command}";
    public static string GeoNeedBy(string command) => $"ERR exactly one of BYRADIUS and BYBOX can be specified for {command}";
    // Streams (t_stream.c).
    public static ReadOnlySpan<byte> StreamInvalidId => "ERR Invalid stream ID specified as stream command argument"u8;
}
