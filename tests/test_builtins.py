"""Tests of the built-in functions in ``zscript.runtime.builtins``.

Each test runs a small script in a :class:`~zscript.host.Host` and compares
what it prints (and, for errors, what it reports) with Zeek's output.
"""

from __future__ import annotations

import io

import pytest

from zscript.diagnostics import SourceFile
from zscript.host import Host


def run(src: str) -> tuple[str, str]:
    """(stdout, stderr) of running ``src``."""
    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=True, stdout=out, stderr=err)
    host.load_source(SourceFile("t.zs", src))
    host.finish_loading()
    host.run()
    return out.getvalue(), err.getvalue()


def lines(src: str) -> list[str]:
    out, err = run(src)
    assert err == ""
    return out.splitlines()


def printed(*exprs: str) -> list[str]:
    """The printed value of each expression."""
    return lines("".join(f"print {e};\n" for e in exprs))


# ------------------------------------------------------------------ net


def test_address_predicates_and_counts():
    assert printed(
        "is_v4_addr(1.2.3.4)",
        "is_v6_addr([::1])",
        "is_v4_subnet(1.2.3.4/16)",
        "is_v6_subnet([2607:f8b0::]/12)",
        "addr_to_counts([2001:db8:85a3::8a2e:370:7334])",
        "counts_to_addr(addr_to_counts(1.2.3.4))",
        "count_to_v4_addr(806716794)",
    ) == [
        "T",
        "T",
        "T",
        "T",
        "[536939960, 2242052096, 35374, 57701172]",
        "1.2.3.4",
        "48.21.133.122",
    ]


def test_address_conversions():
    assert printed(
        'to_addr("010.00.00.001")',
        'is_valid_ip("1.2.3.256")',
        'to_subnet("::ffff:0:0/100")',
        'to_subnet("2607:f8b0::/32")',
        "subnet_to_addr(1.2.3.4/16)",
        "subnet_width(10.0.0.0/8)",
        "addr_to_subnet(1.2.3.4)",
        'raw_bytes_to_v4_addr("ABCD")',
        'raw_bytes_to_v6_addr("ABCDEFGHIKLMNOPQ")',
    ) == [
        "10.0.0.1",
        "F",
        "0.0.0.0/4",
        "2607:f8b0::/32",
        "1.2.0.0",
        "8",
        "1.2.3.4/32",
        "65.66.67.68",
        "4142:4344:4546:4748:494b:4c4d:4e4f:5051",
    ]


def test_masks_and_ptr_names():
    assert printed(
        "mask_addr(255.255.255.255, 9)",
        "remask_addr(0.0.255.255, 255.255.0.0, 96 + 9)",
        "addr_to_ptr_name(74.125.225.52)",
        'ptr_name_to_addr("52.225.125.74.in-addr.arpa")',
        'ptr_name_to_addr("2.1.0.1.0.0.0.0.0.0.0.0.0.0.0.0.2.0.8.0.9.0.0.4.0.b.8.f.7.0.6.2.ip6.arpa")',
    ) == [
        "255.128.0.0/9",
        "0.127.0.0",
        "52.225.125.74.in-addr.arpa",
        "74.125.225.52",
        "2607:f8b0:4009:802::1012",
    ]


def test_conversion_errors_are_reported_and_continue():
    out, err = run('print to_addr("not an IP");\nprint to_subnet("10.0.0.0");\n')
    assert out.splitlines() == ["::", "::/0"]
    assert "error in t.zs, line 1, column 7: failed converting string to IP address" in err
    assert "failed converting string to IP prefix" in err


def test_ports():
    assert printed(
        'to_port("123/udp")',
        "port_to_count(80/tcp)",
        "count_to_port(256, icmp)",
        "get_port_transport_proto(53/udp)",
        "is_tcp_port(1/tcp), is_udp_port(1/tcp), is_icmp_port(1/icmp)",
    ) == ["123/udp", "80", "256/icmp", "udp", "T, F, T"]
    out, err = run('print to_port("123");\n')
    assert out == "0/unknown\n"
    assert "wrong port format, must be /[0-9]{1,5}\\/(tcp|udp|icmp)/ (to_port(123))" in err


def test_subnet_tables():
    src = """
    global s: set[subnet] = { 10.0.0.0/8, 10.2.0.0/16, 10.2.0.2/31, 5.0.0.0/8 };
    global t: table[subnet] of string = { [10.0.0.0/8] = "a", [10.3.0.0/16] = "e" };
    print matching_subnets(10.2.0.2/32, s);
    print check_subnet(10.2.0.0/16, s), check_subnet(10.2.0.0/17, s);
    print filter_subnet_table(10.3.0.2/32, t);
    """
    assert lines(src) == [
        "[10.2.0.2/31, 10.2.0.0/16, 10.0.0.0/8]",
        "T, F",
        "{",
        "[10.0.0.0/8] = a,",
        "[10.3.0.0/16] = e",
        "}",
    ]


# ------------------------------------------------------------------ strings


def test_pattern_splitting_and_substitution():
    assert printed(
        'split_string("this is a test", /hi|es/)',
        'split_string_all("a-b--cd", /(-)+/)',
        'split_string_n("aa bb cc", / ?/, T, 0)',
        'split_string_n("test", /^test$/, T, 1)',
        'gsub("aaa", /^a/, "x")',
        'sub("this is", /is/, "X")',
        'gsub("abcabc", /b|bc/, "-")',
    ) == [
        "[t, s is a t, t]",
        "[a, -, b, --, cd]",
        "[aa,  , bb,  , cc]",
        "[, test, ]",
        "xxx",
        "thX is",
        "a-a-",
    ]


def test_find_functions():
    assert printed(
        'find_first("this is a test", /hi|es/)',
        'find_last("this is a test", /hi|es/)',
        'find_first("banana_bandana", /ana/, 5)',
        'find_all_ordered("one 12 two 345", /[0-9]+/)',
        '|find_all("aXbXc", /X/)|',
        'strstr("abc", "c")',
        'count_substr("aabbaa", "aa")',
        'find_str("abcdefghi", "efg", 2, 6)',
        'rfind_str("abcabc", "b")',
        'find_str("ABC", "b", 0, -1, F)',
    ) == ["hi", "es", "ana", "[12, 345]", "1", "3", "2", "4", "4", "1"]


def test_character_classes_and_case():
    assert printed(
        'is_num("123"), is_num(""), is_alpha("ab"), is_alnum("a1"), is_alnum("#1")',
        'swap_case("aBc")',
        'to_title("  bro is  neat")',
        'ljust("abc", 5, "-"), rjust("abc", 5), zfill("7", 3)',
        'remove_prefix("banana", "ba"), remove_prefix("aaaa", "aa"), remove_suffix("banana", "na")',
    ) == ["T, F, T, T, F", "AbC", "  Bro Is  Neat", "abc--,   abc, 007", "nana, aa, ba"]


def test_escaping_and_dumps():
    assert printed(
        '|clean("a\\x00b")|',
        'to_string_literal("say \\"hi\\"")',
        'string_to_ascii_hex("Zk")',
        'safe_shell_quote("a $b")',
        'edit("hello there", "e")',
        'levenshtein_distance("kitten", "sitting")',
        '|string_fill(10, "test ")|',
    ) == ["6", 'say \\"hi\\"', "5a6b", '"a \\$b"', "llo t", "3", "10"]
    assert printed('hexdump("abc")') == ["0000  61 62 63" + " " * 42 + "abc\\x0a"]


def test_join_string_set():
    assert printed('join_string_set(set("one"), ", ")', 'join_string_set(set("a", "b"), "")') == [
        "one",
        "ab",
    ]


def test_fmt_and_cat_sep():
    assert printed(
        'fmt("*%-10.2e*", -3.14159265)',
        'fmt("*%10x*", 127.0.0.1)',
        'fmt("*%010d*", 128)',
        'fmt("%x", -1)',
        "fmt()",
        'cat_sep("-", "<empty>", 1, "", T)',
    ) == ["*-3.14e+00 *", "*  7f000001*", "*0000000128*", "ffffffffffffffff", "", "1-<empty>-T"]
    out, err = run('print fmt("%d %d", 1);\nprint cat_sep("x");\n')
    assert out.splitlines() == ["", ""]
    assert "too few arguments for format" in err
    assert "cat_sep() takes at least 2 argument(s), got 1" in err


# ------------------------------------------------------------------ conversions


def test_numeric_text_conversions():
    out, err = run(
        'print to_count("C3", 16), to_count(" 205"), to_count("-5");\n'
        'print to_int("0xF3", 16), to_int(" -7 "), to_double("1e3");\n'
        "print double_to_count(3.5), double_to_int(-3.9), int_to_count(-2);\n"
        'print to_count("x1");\n'
    )
    assert out.splitlines() == [
        "195, 205, 18446744073709551611",
        "243, -7, 1000.0",
        "4, -4, 0",
        "0",
    ]
    assert "bad conversion to count (int_to_count(-2) and -2)" in err
    heads = [ln for ln in err.splitlines() if ln.startswith("error in ")]
    assert "bad conversion to count" in heads[1]


def test_bytes_conversions():
    assert printed(
        'bytestring_to_count("\\x03\\xe8")',
        'bytestring_to_count("\\xe8\\x03", T)',
        'bytestring_to_double("\\x43\\x26\\x4f\\xa0\\x71\\x30\\x80\\x00")',
        'hexstr_to_bytestring("3034")',
        'uuid_to_string("\\xfe\\x80abcdefg0123456")',
    ) == ["1000", "1000", "3.14e+15", "04", "626180fe-6463-6665-6730-313233343536"]


def test_base64():
    assert printed(
        'encode_base64("padding1")',
        'decode_base64("cGFkZGluZzE=")',
        'decode_base64("YnJv")',
        'is_valid_base64("YnJv"), is_valid_base64("Y*Jv")',
    ) == ["cGFkZGluZzE=", "padding1", "bro", "T, F"]
    out, err = run('print decode_base64("Y*Jv");\n')
    assert out == "\n"
    assert err.splitlines() == [
        "error: character 42 ignored by Base64 decoding",
        "error: error in decoding string Y*Jv",
    ]


def test_patterns_from_strings():
    assert printed(
        'convert_for_pattern("b[a-z]+")',
        'string_to_pattern("b[a-z]+", T)',
        '"baz" == string_to_pattern("b[a-z]+", F)',
    ) == ["b\\[a\\-z\\]\\+", "/^?(b\\[a\\-z\\]\\+)$?/", "T"]


# ------------------------------------------------------------------ hashing


def test_digests_and_incremental_hashing():
    src = """
    local h = sha256_hash_init();
    sha256_hash_update(h, "one");
    sha256_hash_update(h, "two");
    print sha256_hash_finish(h) == sha256_hash("one", "two");
    print md5_hash("one");
    print sha1_hash(""), |sha512_hash("x")|, |sha384_hash("x")|, |sha224_hash("x")|;
    """
    assert lines(src) == [
        "T",
        "f97c5d29941bfb1b2fdab0874906ab82",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709, 128, 96, 56",
    ]


def test_fnv_hashes_use_zeek_binary_descriptions():
    assert printed(
        'fmt("%x", fnv1a32("foobar"))',
        'fmt("%x", fnv1a64("a"))',
        'fmt("%x", fnv1a32(123))',
        'fmt("%x", fnv1a32(123.0))',
        'fmt("%x", fnv1a32(T))',
    ) == ["bf9cf968", "af63dc4c8601ec8c", "c5b442fd", "15d2016f", "6c1151a5"]


def test_hmac_uses_zeek_seed_file(tmp_path, monkeypatch):
    seed = tmp_path / "seed"
    seed.write_text("\n".join(str(i * 7919) for i in range(21)) + "\n")
    monkeypatch.setenv("ZEEK_SEED_FILE", str(seed))
    first = printed('md5_hmac("one")', 'sha256_hmac("one")')
    assert printed('md5_hmac("one")', 'sha256_hmac("one")') == first
    assert len(first[0]) == 32 and len(first[1]) == 64
    monkeypatch.delenv("ZEEK_SEED_FILE")
    assert printed('md5_hmac("one")', 'sha256_hmac("one")') != first  # a random seed


def test_entropy():
    src = """
    local a = "dh3Hie02uh^s#Sdf9L3frd243h$d78r2G4cM6*Q05d(7rh46f!0|4-f";
    print find_entropy(a);
    local h = entropy_test_init();
    entropy_test_add(h, a);
    print entropy_test_finish(h);
    """
    expected = "[entropy=4.715374, chi_square=591.981818, mean=75.472727, monte_carlo_pi=4.0, serial_correlation=-0.11027]"
    assert lines(src) == [expected, expected]


# ------------------------------------------------------------------ math


def test_math():
    assert printed(
        "ceil(-3.14), floor(-3.14)",
        "sqrt(3.14), exp(3.14), ln(3.14), log10(3.14), log2(3.14), pow(3.14, 2.71)",
        "ln(0.0), exp(1000.0)",
        "modulo(-10, 64), modulo(10, -3)",
        'fmt("%.4e", haversine_distance(37.866798, -122.253601, 48.25, 11.65))',
    ) == [
        "-3.0, -4.0",
        "1.772005, 23.103867, 1.144223, 0.49693, 1.650765, 22.21669",
        "-inf, inf",
        "54, -2",
        "5.8481e+03",
    ]
    out, err = run("print modulo(1, 0), sqrt(-1.0);\n")
    assert out == "0, -1.0\n"
    assert err.splitlines() == ["error: modulo by zero", "error: negative sqrt argument"]


# ------------------------------------------------------------------ JSON


def test_to_json_atomic_values():
    assert printed(
        "to_json(T), to_json(123), to_json(-999)",
        "to_json(3.14), to_json(-1.23456789e308), to_json(1e21), to_json(1e20), to_json(0.000001)",
        'to_json(-12hr), to_json(-12hr, F, /^_/, T), to_json("hi\\n")',
        "to_json(65535/tcp), to_json(1.2.3.4), to_json(192.0.0.0/8), to_json(/^abcd/)",
        'to_json("\\x07\\xd4\\xb7o"), to_json("\\xc3\\xa9")',
    ) == [
        "true, 123, -999",
        "3.14, -1.23456789e308, 1e21, 100000000000000000000.0, 0.000001",
        '"-12.0 hrs", -43200.0, "hi\\n"',
        '{"port":65535,"proto":"tcp"}, "1.2.3.4", "192.0.0.0/8", "/^?(^abcd)$?/"',
        '"\\\\x07\\\\xd4\\\\xb7o", "\\xc3\\xa9"',
    ]


def test_to_json_containers():
    src = """
    type color: enum { Red, White };
    type R: record { c: count &optional; s: string &log; __x: color &default=White; };
    local v: vector of count;
    v[0] = 0; v[2] = 2;
    local st: set[string, count] = { ["one", 1] };
    local ta: table[addr] of table[string] of count = { [10.1.1.1] = table(["a"] = 1) };
    local tc: table[count] of addr = { [1] = 10.1.1.1 };
    print to_json(R($c=1, $s="x")), to_json(R($s="x"), T);
    print to_json(v), to_json(st), to_json(ta), to_json(tc);
    """
    assert lines(src) == [
        '{"c":1,"s":"x","_x":"White"}, {"s":"x"}',
        '[0,null,2], [["one",1]], {"10.1.1.1":{"a":1}}, {"1":"10.1.1.1"}',
    ]


def test_from_json():
    src = """
    module A;
    type Color: enum { Red = 10, Blue = 30 };
    type Foo: record {
        hello: string;
        n: count &optional;
        def: count &default = 123;
        pi: double;
        a: string_vec;
        c1: Color;
        p: port;
        it: interval;
        s: subnet;
        se: set[addr, port];
        tbl: table[string] of count;
    };
    event zeek_init()
        {
        local j = "{\\"hello\\":\\"w\\",\\"n\\":null,\\"pi\\":3.5,\\"a\\":[\\"1\\",null,\\"2\\"],\\"c1\\":\\"A::Blue\\","
            + "\\"p\\":\\"1500/tcp\\",\\"it\\":\\"1 min 2 secs\\",\\"s\\":\\"[::1/128]\\","
            + "\\"se\\":[[\\"192.168.0.1\\",\\"80/tcp\\"]],\\"tbl\\":{\\"k\\":1}}";
        print from_json(j, Foo);
        print from_json("[]", bool);
        print from_json("{\\"hel", string_vec)$err;
        print from_json("{\\"port\\":80,\\"proto\\":\\"udp\\"}", port)$v;
        print from_json("{\\"id-x\\": 1}", Foo)$err;
        }
    """
    assert lines(src) == [
        "[v=[hello=w, n=<uninitialized>, def=123, pi=3.5, a=[1, 2], c1=A::Blue, p=1500/tcp, "
        "it=1.0 min 2.0 secs, s=::1/128, se={",
        "[192.168.0.1, 80/tcp]",
        "}, tbl={",
        "[k] = 1",
        "}], valid=T, err=<uninitialized>]",
        "[v=<uninitialized>, valid=F, err=cannot convert JSON type 'array' to Zeek type 'bool']",
        "JSON parse error: Missing a closing quotation mark in string. Offset: 5",
        "80/udp",
        "required field A::Foo$hello is missing in JSON",
    ]


def test_from_json_key_function_and_roundtrip():
    src = """
    type Foo: record { id_field: string; };
    print from_json("{\\"id-field\\": \\"x\\"}", Foo, function(s: string): string {
        return gsub(s, /[^a-zA-Z0-9_]/, "_");
    });
    local s: set[string] = set("a", "b");
    print to_json(from_json(to_json(s), string_set)$v) == to_json(s);
    """
    assert lines(src) == ["[v=[id_field=x], valid=T, err=<uninitialized>]", "T"]


# ------------------------------------------------------------------ containers


def test_table_keys_and_values():
    src = """
    local t: table[count] of string = { [5] = "test", [0] = "example" };
    local k: set[count] = table_keys(t);
    local v: vector of string = table_values(t);
    print k, v, type_name(v);
    clear_table(t);
    print |t|;
    """
    assert lines(src) == ["{", "5,", "0", "}, [test, example], vector of string", "0"]


def test_sort_and_order():
    src = """
    function rev(a: count, b: count): int { return a > b ? -1 : a < b ? 1 : 0; }
    local v = vector(5, 2, 8, 3);
    print order(v), sort(v), v;
    print sort(vector(3.5, -1.0)), sort(vector(1, 2, 3), rev), order(vector(1, 2, 3), rev);
    local b = vector(T, F);
    print sort(b);
    """
    out, err = run(src)
    assert out.splitlines() == [
        "[1, 3, 0, 2], [2, 3, 5, 8], [2, 3, 5, 8]",
        "[-1.0, 3.5], [3, 2, 1], [2, 1, 0]",
        "[T, F]",
    ]
    assert "comparison function required for sort() with non-numeric types" in err


# ------------------------------------------------------------------ misc


def test_time_text(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    out, err = run(
        'print strftime("%Y-%m-%d %H:%M:%S", 123456789 as time);\n'
        'print strptime("%Y-%m-%d", "2012-10-19"), strptime("%y%m%d", "990102");\n'
        'print strptime("%m", "1980-10-24");\n'
    )
    assert out.splitlines() == ["1973-11-29 21:33:09", "1350604800.0, 915235200.0", "0.0"]
    assert err == "warning: strptime conversion failed: fmt:%m d:1980-10-24\n"


def test_enum_names_paths_and_modes():
    src = """
    type Color: enum { RED, GREEN };
    print enum_names(Color), enum_names("Color"), |enum_names("nope")|;
    print compress_path("./../foo"), compress_path("a/b/c/../../d"), compress_path("foo/./bar/");
    print file_mode(420), file_mode(1023), file_mode(2304);
    print starts_with(unique_id_from(1, "X-"), "X-");
    """
    assert lines(src) == [
        "{",
        "RED,",
        "GREEN",
        "}, {",
        "RED,",
        "GREEN",
        "}, 0",
        "../foo, a/d, foo/bar",
        "rw-r--r--, rwxrwxrwt, r-S------",
        "T",
    ]


def test_print_raw_writes_bytes():
    out, _ = run('print_raw("a\\tb", 1, T, "\\n");\n')
    assert out == "a\tb1T\n"


def test_is_local_interface():
    assert printed("is_local_interface(127.0.0.1), is_local_interface([::1])") == ["T, T"]


# ------------------------------------------------------------------ protocols, paraglob


def test_ftp_helpers():
    assert printed(
        'parse_ftp_port("192,168,0,2,1,1")',
        'parse_eftp_port("|2|fe80::12|1234|")',
        'parse_eftp_port("|1|192.168.0.2|-1|")',
        'parse_ftp_pasv("227 Entering Passive Mode (192,168,0,2,1,1)")',
        'parse_ftp_epsv("229 Entering Extended Passive Mode (|||1234|)")',
        "fmt_ftp_port(192.168.0.2, 257/tcp)",
    ) == [
        "[h=192.168.0.2, p=257/tcp, valid=T]",
        "[h=fe80::12, p=1234/tcp, valid=T]",
        "[h=192.168.0.2, p=0/tcp, valid=F]",
        "[h=192.168.0.2, p=257/tcp, valid=T]",
        "[h=::, p=1234/tcp, valid=T]",
        "192,168,0,2,1,1",
    ]


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        ("fhepfcelehfcepfffacacacacacacabl", "27, WORKGROUP"),
        ("abacfpfpenfdecfcepfhfdeffpfpacab", "1, \\x01\\x02__MSBROWSE__\\x02"),
        ("abcd", "256, "),
    ],
)
def test_netbios_names(encoded, expected):
    assert printed(f'decode_netbios_name_type("{encoded}"), decode_netbios_name("{encoded}")') == [
        expected
    ]


def test_paraglob():
    src = """
    local p = paraglob_init(vector("*", "d?g", "*og", "d?", "d[!wl]g"));
    print paraglob_match(p, "dog");
    print paraglob_match(paraglob_init(vector("*malware*", "*.gov*")), "x.gov");
    print paraglob_equals(p, paraglob_init(vector("*", "d?g", "*og", "d?", "d[!wl]g")));
    """
    assert lines(src) == ["[d?g, d[!wl]g, d?g, d[!wl]g, *og, *]", "[*.gov*]", "T"]


def test_community_id():
    src = """
    local c = conn_id($orig_h=1.2.3.4, $orig_p=1122/tcp, $resp_h=5.6.7.8, $resp_p=3344/tcp, $proto=6);
    local r = conn_id($orig_h=5.6.7.8, $orig_p=3344/tcp, $resp_h=1.2.3.4, $resp_p=1122/tcp, $proto=6);
    print community_id_v1(c), community_id_v1(c) == community_id_v1(r), community_id_v1(c, 1) != community_id_v1(c);
    """
    assert lines(src) == ["1:wCb3OG7yAFWelaUydu0D+125CLM=, T, T"]


# ----------------------------------------------------------- the bif index


def test_the_bif_index_names_what_each_module_registers():
    """Modules of zscript.runtime.builtins are imported when a script first
    names one of their bifs, found through INDEX: it must say exactly what
    each module registers, or a bif would be missing (or wrongly placed)."""
    import importlib
    import pkgutil

    from zscript.runtime import bifs, builtins

    registered: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(builtins.__path__):
        module = importlib.import_module(f"{builtins.__name__}.{info.name}")
        names = sorted(n for n, b in bifs.BIFS.items() if b.func.__module__ == module.__name__)
        if names:
            registered[info.name] = names
    index = {m: sorted(names) for m, names in builtins.INDEX.items()}
    assert index == registered, (
        "zscript/runtime/builtins/__init__.py INDEX is out of date; it should read:\n"
        + "\n".join(f"    {m!r}: {tuple(names)!r}," for m, names in sorted(registered.items()))
    )


def test_a_bif_module_is_imported_when_a_script_first_names_one_of_its_bifs():
    import subprocess
    import sys

    probe = (
        "import io, sys\n"
        "from zscript.diagnostics import SourceFile\n"
        "from zscript.host import Host\n"
        "h = Host(stdout=io.StringIO())\n"
        "print('zscript.runtime.builtins.math' in sys.modules)\n"
        "h.load_source(SourceFile('t.zs', 'print sqrt(16.0);'))\n"
        "h.finish_loading()\n"
        "h.run()\n"
        "print('zscript.runtime.builtins.math' in sys.modules, h.stdout.getvalue().strip())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "4.0"]
