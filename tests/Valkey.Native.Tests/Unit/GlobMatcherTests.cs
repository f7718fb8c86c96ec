using System.Text;
using NUnit.Framework;
using Valkey.Native.Util;

namespace Valkey.Native.Tests.Unit;

/// <summary>
/// GlobMatcher must answer exactly like Valkey's stringmatchlen(). Every expected value below was
/// produced by running Valkey's own C function (glibc, "C" locale) on the same bytes. Strings are
/// written with one char per byte (\u00XX for bytes 0x80-0xFF) and converted with Latin-1.
/// </summary>
[TestFixture]
public class GlobMatcherTests
{
    public readonly record struct GlobCase(string Pattern, string Subject, bool IgnoreCase, bool Expected)
    {
        public override string ToString() =>
            $"{Escape(Pattern)} ~ {Escape(Subject)}{(IgnoreCase ? " nocase" : "")} => {Expected}";

        private static string Escape(string s)
        {
            var sb = new StringBuilder("'");
            foreach (char c in s) sb.Append(c is >= ' ' and < (char)127 ? c.ToString() : $"\\x{(int)c:X2}");
            return sb.Append('\'').ToString();
        }
    }

    private static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    /// <summary>Hand-picked cases: wildcards, classes, escapes, malformed patterns, case folding, high and NUL bytes.</summary>
    public static readonly GlobCase[] CuratedCases =
    [
        new GlobCase("", "", false, true),
        new GlobCase("", "a", false, false),
        new GlobCase("a", "", false, false),
        new GlobCase("*", "", false, false),
        new GlobCase("*", "anything", false, true),
        new GlobCase("**", "", false, false),
        new GlobCase("abc", "abc", false, true),
        new GlobCase("abc", "abd", false, false),
        new GlobCase("abc", "ab", false, false),
        new GlobCase("ab", "abc", false, false),
        new GlobCase("a*", "a", false, true),
        new GlobCase("a*", "abc", false, true),
        new GlobCase("*c", "abc", false, true),
        new GlobCase("*c", "abd", false, false),
        new GlobCase("a*c", "ac", false, true),
        new GlobCase("a*c", "abbbc", false, true),
        new GlobCase("a*c", "abbbcd", false, false),
        new GlobCase("a**c", "abc", false, true),
        new GlobCase("*a*", "bab", false, true),
        new GlobCase("*a*", "bbb", false, false),
        new GlobCase("h?llo", "hello", false, true),
        new GlobCase("h?llo", "hllo", false, false),
        new GlobCase("?", "", false, false),
        new GlobCase("??", "a", false, false),
        new GlobCase("a?*", "a", false, false),
        new GlobCase("a?*", "ab", false, true),
        new GlobCase("h[ae]llo", "hello", false, true),
        new GlobCase("h[ae]llo", "hallo", false, true),
        new GlobCase("h[ae]llo", "hillo", false, false),
        new GlobCase("h[^e]llo", "hallo", false, true),
        new GlobCase("h[^e]llo", "hello", false, false),
        new GlobCase("h[a-b]llo", "hbllo", false, true),
        new GlobCase("h[a-b]llo", "hcllo", false, false),
        new GlobCase("h[b-a]llo", "hallo", false, true),
        new GlobCase("[z-a]", "m", false, true),
        new GlobCase("[a-c-e]", "d", false, false),
        new GlobCase("[a-c-e]", "-", false, true),
        new GlobCase("[a-c-e]", "e", false, true),
        new GlobCase("[^a-z]", "5", false, true),
        new GlobCase("[^a-z]", "q", false, false),
        new GlobCase("[]", "]", false, false),
        new GlobCase("[]]", "]", false, false),
        new GlobCase("[]a]", "a", false, false),
        new GlobCase("[^]", "x", false, true),
        new GlobCase("[^]]", "x", false, false),
        new GlobCase("[abc", "a", false, true),
        new GlobCase("[abc", "d", false, false),
        new GlobCase("[", "[", false, false),
        new GlobCase("[", "a", false, false),
        new GlobCase("[^", "a", false, true),
        new GlobCase("a[", "a", false, false),
        new GlobCase("[a-", "a", false, true),
        new GlobCase("[a-", "-", false, true),
        new GlobCase("[a-]", "b", false, false),
        new GlobCase("[a-]", "]", false, true),
        new GlobCase("[a-]", "_", false, true),
        new GlobCase("[a-]x", "_", false, true),
        new GlobCase("[a-]x", "_x", false, false),
        new GlobCase("[-a]", "-", false, true),
        new GlobCase("[a\\-z]", "-", false, true),
        new GlobCase("[a\\-z]", "m", false, false),
        new GlobCase("[\\]]", "]", false, true),
        new GlobCase("[\\", "\\", false, true),
        new GlobCase("[\\\\]", "\\", false, true),
        new GlobCase("[\\^]", "^", false, true),
        new GlobCase("[*]", "*", false, true),
        new GlobCase("[?]", "a", false, false),
        new GlobCase("[*]x", "ax", false, false),
        new GlobCase("x[!a]", "xb", false, false),
        new GlobCase("x[!a]", "x!", false, true),
        new GlobCase("\\*", "*", false, true),
        new GlobCase("\\*", "a", false, false),
        new GlobCase("\\?", "?", false, true),
        new GlobCase("\\?", "a", false, false),
        new GlobCase("\\[a]", "[a]", false, true),
        new GlobCase("\\[a]", "a", false, false),
        new GlobCase("a\\", "a\\", false, true),
        new GlobCase("a\\", "a", false, false),
        new GlobCase("\\", "\\", false, true),
        new GlobCase("\\\\", "\\", false, true),
        new GlobCase("\\a", "a", false, true),
        new GlobCase("*\\*", "abc*", false, true),
        new GlobCase("*\\*", "abc", false, false),
        new GlobCase("HELLO", "hello", true, true),
        new GlobCase("HELLO", "hello", false, false),
        new GlobCase("h*O", "HellO", true, true),
        new GlobCase("[A-Z]", "q", true, true),
        new GlobCase("[a-z]", "Q", true, true),
        new GlobCase("[a-z]", "Q", false, false),
        new GlobCase("[Z-a]", "_", false, true),
        new GlobCase("[Z-a]", "_", true, false),
        new GlobCase("[Z-a]", "a", true, false),
        new GlobCase("[^A]", "a", true, false),
        new GlobCase("[^A]", "a", false, true),
        new GlobCase("[\\A]", "a", true, false),
        new GlobCase("[\\A]", "A", true, true),
        new GlobCase("\\A", "a", true, true),
        new GlobCase("[AB]", "b", true, true),
        new GlobCase("?", "\u00C3", true, true),
        new GlobCase("\u00C3", "\u00E3", true, false),
        new GlobCase("@", "`", true, false),
        new GlobCase("[", "{", true, false),
        new GlobCase("[a-\u00FF]", "\u00C3", false, false),
        new GlobCase("[a-\u00FF]", "\u00FF", false, true),
        new GlobCase("[a-\u00FF]", "0", false, true),
        new GlobCase("[a-\u00FF]", "z", false, false),
        new GlobCase("[\u0080-\u00FF]", "\u00C3", false, true),
        new GlobCase("[\u0080-\u00FF]", "a", false, false),
        new GlobCase("[\u0000-\u007F]", "\u0080", false, false),
        new GlobCase("[a-\u00C3]", "\u00D0", false, true),
        new GlobCase("[a-\u00C3]", "\u00D0", true, false),
        new GlobCase("[a-\u00C3]", "0", true, false),
        new GlobCase("[\u00C3-\u00D0]", "\u00C8", true, true),
        new GlobCase("[\u00C3-\u00D0]", "\u00C8", false, true),
        new GlobCase("[\u00FE-\u00FF]", "\u00FF", true, false),
        new GlobCase("[\u00FE-\u00FF]", "\u00FE", true, false),
        new GlobCase("[\u00FF-\u00FE]", "\u00FF", false, true),
        new GlobCase("a\u0000b", "a\u0000b", false, true),
        new GlobCase("a?b", "a\u0000b", false, true),
        new GlobCase("[\u0000]", "\u0000", false, true),
        new GlobCase("*", "\u0000\u0000", false, true),
        new GlobCase("a\u0000", "a", false, false),
        new GlobCase("user:*", "user:1000", false, true),
        new GlobCase("user:*:name", "user:1000:name", false, true),
        new GlobCase("user:*:name", "user:1000:email", false, false),
        new GlobCase("__keyspace@0__:*", "__keyspace@0__:foo", false, true),
        new GlobCase("*:*", "nocolon", false, false),
        new GlobCase("*a*b*c*", "xxaxxbxxcxx", false, true),
        new GlobCase("*a*b*c*", "xxaxxcxxbxx", false, false),
        new GlobCase("a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false),
        new GlobCase("*?*?*", "ab", false, true),
        new GlobCase("*?*?*", "a", false, false),
    ];

    /// <summary>Random patterns over "ab*?[]^-\\" (half of the subjects derived from the pattern so they can match).</summary>
    public static readonly GlobCase[] RandomOracleCases =
    [
        new GlobCase("*^ab\\b", "^abb", false, true),
        new GlobCase("b", "b", false, true),
        new GlobCase("]*-", "]-", true, true),
        new GlobCase("*?^^-", "]^-b^^-", true, true),
        new GlobCase("[^]^?*b**", "b^]^a^b-bab^-^", true, true),
        new GlobCase("?-", "--", false, true),
        new GlobCase("\\a\\", "a\\", false, true),
        new GlobCase("-?]?", "-^]a", true, true),
        new GlobCase("bb^?-*", "bb^--", true, true),
        new GlobCase("a**", "a", true, true),
        new GlobCase("^]^?]]b]a", "^]^]]]b]a", true, true),
        new GlobCase("^", "^", true, true),
        new GlobCase("?b", "ab", true, true),
        new GlobCase("-?-b^-\\^\\", "-b-b^-^\\", false, true),
        new GlobCase("?*^]a*", "-baa^]a^-^", false, true),
        new GlobCase("*a]^b-", "ba]^b-", false, true),
        new GlobCase("^\\*\\\\a?ba", "^*\\a-ba", false, true),
        new GlobCase("-\\aa\\?-", "-aa?-", true, true),
        new GlobCase("\\\\", "\\", false, true),
        new GlobCase("?", "b", true, true),
        new GlobCase("a--", "a--", false, true),
        new GlobCase("-*[-a\\*", "------a*", true, true),
        new GlobCase("?-]-^*\\??", "--]-^?-", false, true),
        new GlobCase("\\", "\\", true, true),
        new GlobCase("aa?-^", "aab-^", true, true),
        new GlobCase("-*?-^a*^a?", "-]a-^a^ab", true, true),
        new GlobCase("]]-*bab", "]]-]abab", false, true),
        new GlobCase("-a^?^a", "-a^]^a", false, true),
        new GlobCase("*?]]-", "^]]-", false, true),
        new GlobCase("]", "]", false, true),
        new GlobCase("a]?^^?a", "a]b^^]a", false, true),
        new GlobCase("^]", "^]", false, true),
        new GlobCase("aa\\", "aa\\", true, true),
        new GlobCase("]\\", "]\\", true, true),
        new GlobCase("*\\*bb", "-*bb", false, true),
        new GlobCase("-", "-", true, true),
        new GlobCase("*?", "]b^", false, true),
        new GlobCase("b*", "ba]", false, true),
        new GlobCase("*", "^a", false, true),
        new GlobCase("^][^]*]]b", "^]b^]]]b", true, true),
        new GlobCase("]", "]", true, true),
        new GlobCase("\\-?*aaa\\a^", "-baaaa^", false, true),
        new GlobCase("b\\a*", "bab", false, true),
        new GlobCase("?^]?^\\", "^^]a^\\", false, true),
        new GlobCase("]\\[*[??-", "][]^a-", true, true),
        new GlobCase("b^^b^a", "b^^b^a", true, true),
        new GlobCase("]\\*-\\]", "]*-]", true, true),
        new GlobCase("\\]*?]?", "]b]a", false, true),
        new GlobCase("\\[-a", "[-a", true, true),
        new GlobCase("-^", "-^", false, true),
        new GlobCase("\\]^-?*", "]^-aa-", true, true),
        new GlobCase("\\a--*-?-", "a---b-", true, true),
        new GlobCase("-^]\\[\\", "-^][\\", false, true),
        new GlobCase("\\ab^^-ba^*", "ab^^-ba^^aa", true, true),
        new GlobCase("*a^a", "a^a", false, true),
        new GlobCase("b*-a", "b]-a", false, true),
        new GlobCase("a]]--**b", "a]]--]]]-b", true, true),
        new GlobCase("a]?*^", "a]a^", true, true),
        new GlobCase("]a\\aa", "]aaa", true, true),
        new GlobCase("b", "b", false, true),
        new GlobCase("b\\^a", "b", false, false),
        new GlobCase("^a?a\\*[^*\\", "^a-a*^^a\\", false, false),
        new GlobCase("b\\ba?-", "-]^]--", false, false),
        new GlobCase("?b[", "]-^aa", true, false),
        new GlobCase("]--bb[", "]--bba", false, false),
        new GlobCase("-[^]a", "b^a]a", false, false),
        new GlobCase("\\a-", "]]]]a]]a", false, false),
        new GlobCase("a*", "^aab^", true, false),
        new GlobCase("[]]", "a]]", true, false),
        new GlobCase("--[b*b][", "--bbb]b", true, false),
        new GlobCase("\\]*]?", "-b^bb]bb", true, false),
        new GlobCase("aa[-[?", "]--ab", false, false),
        new GlobCase("^b***a*-", "^^", true, false),
        new GlobCase("*\\\\*aa", "^", false, false),
        new GlobCase("??a[?[\\", "^-a-^]\\", false, false),
        new GlobCase("]", "]^b^b^^a", true, false),
        new GlobCase("\\\\-b\\a??[", "\\-baa^]", false, false),
        new GlobCase("-]", "^^b-]^^]", false, false),
        new GlobCase("[\\?-*^b^-", "b?-ab-^b^-", false, false),
        new GlobCase("]*[", "ba]]bbb", true, false),
        new GlobCase("bb?bb[[a*", "bbbbb]-ab^^", true, false),
        new GlobCase("b[a*^b", "baa^b", true, false),
        new GlobCase("]", "-^ba^b", false, false),
        new GlobCase("[a*", "-a^b", true, false),
        new GlobCase("\\*[]a[aa", "*^]a^aa", false, false),
        new GlobCase("a-**[", "a---ba-", false, false),
        new GlobCase("[b", "^b", false, false),
        new GlobCase("a[[?b\\*", "-]b-^b", false, false),
        new GlobCase("[b[???--", "]", true, false),
        new GlobCase("[*a-a", "a]a-a", true, false),
        new GlobCase("[---b\\?[b", "", true, false),
        new GlobCase("b\\-[^??b", "^-", true, false),
        new GlobCase("\\[b", "]]]", false, false),
        new GlobCase("]^]b]a]", "aba---", false, false),
        new GlobCase("^b]^[a[", "^b]^-ab", false, false),
        new GlobCase("^\\]?]", "a]^^ba", false, false),
        new GlobCase("?[-\\^b*", "b", true, false),
        new GlobCase("[?a^^^", "]--", false, false),
        new GlobCase("[]*\\\\?b[", "]]]-ab", false, false),
        new GlobCase("--ab^\\-", "abb", false, false),
        new GlobCase("b-b\\aa*?a", "b-^]", false, false),
        new GlobCase("b[", "]-b", false, false),
        new GlobCase("]?-\\?", "", true, false),
        new GlobCase("?-a]^]", "a-^", false, false),
        new GlobCase("-?[?", "-b--", false, false),
        new GlobCase("]bb*]?*\\", "", true, false),
        new GlobCase("][^ba-?", "]]^ba-b", true, false),
        new GlobCase("[", "a", true, false),
        new GlobCase("[]a[][", "^]aa]a", false, false),
        new GlobCase("--", "-]]b]b", false, false),
        new GlobCase("*?^ba-\\", "]a", false, false),
        new GlobCase("b?b^-", "bbb]]^b", false, false),
        new GlobCase("[[[][", "]bb", false, false),
        new GlobCase("*[?]", "b^^b]", false, false),
        new GlobCase("aba-?-]a", "aab", false, false),
        new GlobCase("]\\", "^-aa^^-", false, false),
        new GlobCase("[a?a", "-b^-ab", false, false),
        new GlobCase("\\-b^b^\\*", "b", true, false),
        new GlobCase("^[[^a", "^^-^a", true, false),
        new GlobCase("^", "]-", false, false),
    ];

    [TestCaseSource(nameof(CuratedCases))]
    public void Curated_case_matches_valkey(GlobCase c) =>
        Assert.That(GlobMatcher.IsMatch(Bytes(c.Pattern), Bytes(c.Subject), c.IgnoreCase), Is.EqualTo(c.Expected));

    [TestCaseSource(nameof(RandomOracleCases))]
    public void Random_case_matches_valkey(GlobCase c) =>
        Assert.That(GlobMatcher.IsMatch(Bytes(c.Pattern), Bytes(c.Subject), c.IgnoreCase), Is.EqualTo(c.Expected));

    [Test]
    public void Ignore_case_defaults_to_false()
    {
        Assert.That(GlobMatcher.IsMatch("KEY"u8, "key"u8), Is.False);
        Assert.That(GlobMatcher.IsMatch("KEY"u8, "key"u8, ignoreCase: true), Is.True);
    }

    [Test]
    public void Lone_star_does_not_match_the_empty_string()
    {
        // stringmatchlen("*", "") is 0; KEYS and SCAN special-case "*" before ever calling it.
        Assert.That(GlobMatcher.IsMatch("*"u8, ""u8), Is.False);
        Assert.That(GlobMatcher.IsMatch(""u8, ""u8), Is.True);
    }

    [Test]
    public void Pattern_end_is_the_span_end_not_what_follows_in_memory()
    {
        byte[] buffer = "a*b[c]"u8.ToArray();
        Assert.That(GlobMatcher.IsMatch(buffer.AsSpan(0, 2), "axyz"u8), Is.True);
        Assert.That(GlobMatcher.IsMatch(buffer.AsSpan(0, 3), "axb"u8), Is.True);
        Assert.That(GlobMatcher.IsMatch(buffer.AsSpan(0, 3), "axbc"u8), Is.False);
        // "[c" without its ']' is an unterminated class, whatever byte sits after it.
        Assert.That(GlobMatcher.IsMatch(buffer.AsSpan(3, 2), "c"u8), Is.True);
        Assert.That(GlobMatcher.IsMatch(buffer.AsSpan(3, 2), "c]"u8), Is.False);
    }

    [Test]
    public void Pathological_star_pattern_is_answered_without_exponential_search()
    {
        // 30 "a*" groups against 5000 'a's would take forever with naive backtracking.
        byte[] pattern = Bytes(string.Concat(Enumerable.Repeat("a*", 30)) + "b");
        Assert.That(GlobMatcher.IsMatch(pattern, Bytes(new string('a', 5000))), Is.False);
        Assert.That(GlobMatcher.IsMatch(pattern, Bytes(new string('a', 5000) + "b")), Is.True);
        byte[] starFirst = Bytes(string.Concat(Enumerable.Repeat("*a", 30)) + "*b");
        Assert.That(GlobMatcher.IsMatch(starFirst, Bytes(new string('a', 5000) + "c")), Is.False);
        Assert.That(GlobMatcher.IsMatch(starFirst, Bytes(new string('a', 5000) + "b")), Is.True);
    }

    [TestCase("*a", 1000, true)]
    [TestCase("*a", 1001, false)]
    [TestCase("a*", 1001, true)]   // the last '*' ends the pattern, so it succeeds before the guard
    [TestCase("a*", 1002, false)]
    public void More_than_1000_nested_stars_fail_like_valkey(string group, int repeat, bool expected)
    {
        byte[] pattern = Bytes(string.Concat(Enumerable.Repeat(group, repeat)));
        Assert.That(GlobMatcher.IsMatch(pattern, Bytes(new string('a', 3000))), Is.EqualTo(expected));
    }

    [Test]
    public void Long_literal_and_question_mark_patterns()
    {
        string key = string.Concat(Enumerable.Range(0, 200).Select(i => (char)('a' + i % 26)));
        Assert.That(GlobMatcher.IsMatch(Bytes(key), Bytes(key)), Is.True);
        Assert.That(GlobMatcher.IsMatch(Bytes(new string('?', 200)), Bytes(key)), Is.True);
        Assert.That(GlobMatcher.IsMatch(Bytes(new string('?', 199)), Bytes(key)), Is.False);
        Assert.That(GlobMatcher.IsMatch(Bytes(key[..199] + "?"), Bytes(key)), Is.True);
        Assert.That(GlobMatcher.IsMatch(Bytes(key[..199] + "X"), Bytes(key)), Is.False);
    }
}
