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
    // Stream consumer groups (t_stream.c: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO).
    public static ReadOnlySpan<byte> XGroupKeyMissing => "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."u8;
    public static ReadOnlySpan<byte> XGroupBusy => "BUSYGROUP Consumer Group name already exists"u8;
    public static ReadOnlySpan<byte> XGroupEntriesRead => "ERR value for ENTRIESREAD must be positive or -1"u8;
    public static ReadOnlySpan<byte> XReadGroupDollar => "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."u8;
    public static ReadOnlySpan<byte> XReadGroupPlus => "ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The + ID would just return an empty result set."u8;
    public static ReadOnlySpan<byte> XReadGroupMissingGroup => "ERR Missing GROUP option for XREADGROUP"u8;
    public static ReadOnlySpan<byte> XReadGroupUnbalanced => "ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be specified."u8;
    public static ReadOnlySpan<byte> StreamInvalidStartInterval => "ERR invalid start ID for the interval"u8;
    public static ReadOnlySpan<byte> StreamInvalidEndInterval => "ERR invalid end ID for the interval"u8;
    public static ReadOnlySpan<byte> XClaimMinIdle => "ERR Invalid min-idle-time argument for XCLAIM"u8;
    public static ReadOnlySpan<byte> XClaimIdle => "ERR Invalid IDLE option argument for XCLAIM"u8;
    public static ReadOnlySpan<byte> XClaimTime => "ERR Invalid TIME option argument for XCLAIM"u8;
    public static ReadOnlySpan<byte> XClaimRetryCount => "ERR Invalid RETRYCOUNT option argument for XCLAIM"u8;
    public static ReadOnlySpan<byte> XAutoClaimMinIdle => "ERR Invalid min-idle-time argument for XAUTOCLAIM"u8;
    public static ReadOnlySpan<byte> XAutoClaimCount => "ERR COUNT must be > 0"u8;
    public static string XClaimUnknownOption(string option) => $"ERR Unrecognized XCLAIM option '{option}'";
    public static string NoGroupForKey(string group, string key) => $"NOGROUP No such consumer group '{group}' for key name '{key}'";
    public static string NoKeyOrGroup(string key, string group) => $"NOGROUP No such key '{key}' or consumer group '{group}'";
    public static string NoKeyOrGroupXReadGroup(string key, string group) => $"NOGROUP No such key '{key}' or consumer group '{group}' in XREADGROUP with GROUP option";
    // Eviction (server.c shared.oomerr).
    public static ReadOnlySpan<byte> OutOfMemory => "OOM command not allowed when used memory > 'maxmemory'."u8;
    // Client-side caching (networking.c clientCommand TRACKING/CACHING) and MONITOR (server.c).
    public static ReadOnlySpan<byte> TrackingSingleRedirect => "ERR A client can only redirect to a single other client"u8;
    public static ReadOnlySpan<byte> TrackingNoSuchRedirect => "ERR The client ID you want redirect to does not exist"u8;
    public static ReadOnlySpan<byte> TrackingPrefixNeedsBcast => "ERR PREFIX option requires BCAST mode to be enabled"u8;
    public static ReadOnlySpan<byte> TrackingBcastSwitch => "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."u8;
    public static ReadOnlySpan<byte> TrackingOptInOutBcast => "ERR OPTIN and OPTOUT are not compatible with BCAST"u8;
    public static ReadOnlySpan<byte> TrackingOptInAndOut => "ERR You can't specify both OPTIN mode and OPTOUT mode"u8;
    public static ReadOnlySpan<byte> TrackingOptSwitch => "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."u8;
    public static ReadOnlySpan<byte> CachingNotTracking => "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"u8;
    public static ReadOnlySpan<byte> CachingYesNeedsOptIn => "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."u8;
    public static ReadOnlySpan<byte> CachingNoNeedsOptOut => "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."u8;
    public static ReadOnlySpan<byte> MonitorDenyBlocking => "ERR MONITOR isn't allowed for DENY BLOCKING client"u8;
    // SLOWLOG / COMMANDLOG (commandlog.c), LATENCY (latency.c), CLIENT PAUSE (networking.c).
    public static ReadOnlySpan<byte> CommandLogCount => "ERR count should be greater than or equal to -1"u8;
    public static ReadOnlySpan<byte> CommandLogType => "ERR type should be one of the following: slow, large-request, large-reply"u8;
    public static string LatencyNoSamples(string eventName) => $"ERR No samples available for event '{eventName}'";
    public static ReadOnlySpan<byte> PauseMode => "ERR CLIENT PAUSE mode must be WRITE or ALL"u8;
    public static ReadOnlySpan<byte> PauseTimeout => "ERR timeout is not an integer or out of range"u8;
    public static ReadOnlySpan<byte> PauseNegativeTimeout => "ERR timeout is negative"u8;
    // Streams, non-group commands (t_stream.c: XADD, XTRIM, XRANGE, XREAD, XSETID).
    public static ReadOnlySpan<byte> XAddIdTooSmall => "ERR The ID specified in XADD is equal or smaller than the target stream top item"u8;
    public static ReadOnlySpan<byte> XAddIdZero => "ERR The ID specified in XADD must be greater than 0-0"u8;
    public static ReadOnlySpan<byte> XAddExhausted => "ERR The stream has exhausted the last possible ID, unable to add more items"u8;
    public static ReadOnlySpan<byte> XAddTooLarge => "ERR Elements are too large to be stored"u8;
    public static ReadOnlySpan<byte> XTrimMaxLenAndMinId => "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"u8;
    public static ReadOnlySpan<byte> XTrimMaxLenNegative => "ERR The MAXLEN argument must be >= 0."u8;
    public static ReadOnlySpan<byte> XTrimLimitNegative => "ERR The LIMIT argument must be >= 0."u8;
    public static ReadOnlySpan<byte> XTrimLimitWithoutStrategy => "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"u8;
    public static ReadOnlySpan<byte> XTrimNoStrategy => "ERR syntax error, XTRIM must be called with a trimming strategy"u8;
    public static ReadOnlySpan<byte> XTrimLimitWithoutApprox => "ERR syntax error, LIMIT cannot be used without the special ~ option"u8;
    public static ReadOnlySpan<byte> XReadUnbalanced => "ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified."u8;
    public static ReadOnlySpan<byte> XReadGroupOption => "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."u8;
    public static ReadOnlySpan<byte> XReadNoAckOption => "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."u8;
    public static ReadOnlySpan<byte> XReadGreaterId => "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."u8;
    public static ReadOnlySpan<byte> XReadLastIdZero => "ERR the stream last element ID is 0-0"u8;
    public static ReadOnlySpan<byte> XSetIdEntriesAddedNegative => "ERR entries_added must be positive"u8;
    public static ReadOnlySpan<byte> XSetIdSmallerThanMaxDeletedArg => "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"u8;
    public static ReadOnlySpan<byte> XSetIdSmallerThanMaxDeleted => "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"u8;
    public static ReadOnlySpan<byte> XSetIdSmallerThanTop => "ERR The ID specified in XSETID is smaller than the target stream top item"u8;
    public static ReadOnlySpan<byte> XSetIdEntriesAddedSmall => "ERR The entries_added specified in XSETID is smaller than the target stream length"u8;

    // ---- persistence (Persistence/, Commands/PersistenceCommands.cs) ----
    public static ReadOnlySpan<byte> BgsaveError =>
        "MISCONF Valkey is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Valkey logs for details about the RDB error."u8;
    public static ReadOnlySpan<byte> BgsaveInProgress => "ERR Background save already in progress"u8;
    public static ReadOnlySpan<byte> BgsaveNothingToCancel => "ERR Background saving is currently not in progress or scheduled"u8;
    public static ReadOnlySpan<byte> BgsaveOtherJob =>
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."u8;
    public static ReadOnlySpan<byte> Loading => "LOADING Valkey is loading the dataset in memory"u8;

    /// <summary>The LOADING error; extended-redis-compatibility names the server "Redis" in it, as Valkey does.</summary>
    public static ReadOnlySpan<byte> LoadingFor(bool redisCompatible) =>
        redisCompatible ? "LOADING Redis is loading the dataset in memory"u8 : Loading;

    /// <summary>The MISCONF error; extended-redis-compatibility names the server "Redis" in it (twice), as Valkey does.</summary>
    public static ReadOnlySpan<byte> BgsaveErrorFor(bool redisCompatible) =>
        redisCompatible
            ? "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."u8
            : BgsaveError;

    // ---- DEBUG (Commands/DebugCommands.cs, Commands/DebugHashTables.cs) ----
    public static ReadOnlySpan<byte> DebugOutOfRangeDatabase => "ERR Out of range database"u8;
    public static ReadOnlySpan<byte> DebugNotHashTable => "ERR The value stored at the specified key is not represented using an hash table"u8;
    public static ReadOnlySpan<byte> DebugClientEvictionDisabled => "ERR maxmemory-clients is disabled."u8;

    // ---- BGREWRITEAOF (Commands/AofCommands.cs, Persistence/AofRewrite.cs): strings, the rewrite code returns them ----
    public const string AofRewriteInProgress = "ERR Background append only file rewriting already in progress";
    public const string AofRewriteCantStart = "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.";
    /// <summary>CONFIG SET appendonly yes when the first rewrite cannot start (config.c updateAppendonly).</summary>
    public const string AofCantTurnOn = "Unable to turn on AOF. Check server logs.";
}
