"""The strict limits loader (geoaccess.limits) and the text-encoding policy (geoaccess.textio)."""

from __future__ import annotations

import codecs
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from geoaccess.errors import InputError, LimitError
from geoaccess.limits import ENV_VAR, Limits, get_limits, limit_error, load_limits, use_limits
from geoaccess.textio import RepairingUtf8Reader, decode_bytes, open_text, read_text, sniff_encoding

ROOT = Path(__file__).resolve().parent.parent


def test_packaged_limits_equal_the_dataclass_defaults():
    assert load_limits() == Limits(source="limits.toml")  # the TOML documents exactly the code's defaults


def test_unknown_section_and_key_name_the_allowed_ones(tmp_path):
    p = tmp_path / "l.toml"
    p.write_text("[speed]\nroad_max_kmh = 130\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown section 'speed' \(did you mean 'speeds'\?\); allowed sections: archives, "
                                         r"counts, durations, speeds, timetable"):
        load_limits(p)
    p.write_text("[speeds]\nroad_max_kph = 130\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"\[speeds\]: unknown key 'road_max_kph' \(did you mean 'road_max_kmh'\?\); "
                                         r"allowed keys: .*road_max_kmh, road_min_kmh"):
        load_limits(p)


@pytest.mark.parametrize(
    ("text", "match"),
    [("[speeds]\nroad_max_kmh = 'fast'\n", "is not a number"), ("[speeds]\nroad_max_kmh = -3\n", "> 0"),
     ("[timetable]\nmax_trips_per_frequency = 1.5\n", "whole number"),
     ("[speeds]\nroad_min_kmh = 200\n", "must be below road_max_kmh"), ("speeds = 3\n", "expected a table"),
     ("[speeds\n", "not valid TOML")],
)
def test_bad_values_refused(tmp_path, text, match):
    p = tmp_path / "l.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=match):
        load_limits(p)


def test_override_by_file_env_and_context(tmp_path):
    p = tmp_path / "l.toml"
    p.write_text("[archives]\nmax_ratio = 25\n", encoding="utf-8")
    lim = load_limits(p)
    assert lim.archives.max_ratio == 25.0 and lim.archives.max_member_mib == 4096.0 and lim.source == str(p)
    code = "from geoaccess.limits import get_limits; print(get_limits().archives.max_ratio)"
    env = {**os.environ, ENV_VAR: str(p), "PYTHONPATH": str(ROOT)}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "25.0"
    with use_limits({"archives": {"max_ratio": 10}}):
        assert get_limits().archives.max_ratio == 10.0
        err = limit_error("feed.zip: member x", "ratio 50", key="archives.max_ratio", limit=10, unit="times")
        assert isinstance(err, LimitError) and "[archives] max_ratio = 10 times (from use_limits())" in str(err)
    assert get_limits().archives.max_ratio == 200.0


def test_sniff_encoding():
    assert sniff_encoding(codecs.BOM_UTF8 + b"a,b") == "utf-8-sig"
    assert sniff_encoding("a,b\n1,2".encode("utf-16")) == "utf-16"
    assert sniff_encoding("a,b\n1,2".encode("utf-16-le")) == "utf-16-le"
    assert sniff_encoding("a,b\n1,2".encode("utf-16-be")) == "utf-16-be"
    assert sniff_encoding("a,b\nø,2".encode()) == "utf-8-sig"
    assert sniff_encoding("a,b\nø,2".encode("cp1252")) == "utf-8-sig"  # checked (and refused) while reading


def test_latin1_refused_naming_file_line_and_byte(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"a,b\n" + b"1,2\n" * 5000 + "3,Bodø\n".encode("cp1252"))
    with pytest.raises(InputError) as exc, open_text(p) as (fh, _):
        pd.read_csv(fh)
    msg = str(exc.value)
    assert f"{p}: line 5002 is not valid UTF-8 (byte 0xF8 at byte {4 + 5000 * 4 + 5})" in msg
    assert "Latin-1 / Windows-1252" in msg and "'3,Bodø'" in msg and 'encoding="cp1252"' in msg
    with open_text(p, encoding="cp1252") as (fh, codec):
        assert codec == "cp1252" and pd.read_csv(fh)["b"].iloc[-1] == "Bodø"


def test_binary_and_unknown_encoding_refused(tmp_path):
    with pytest.raises(InputError, match="binary file"):
        decode_bytes(b"PK\x03\x04\x00\x00\xff\xfe" * 4, name="z.txt")
    with pytest.raises(InputError, match="Unknown text encoding 'klingon'"):
        decode_bytes(b"abc", name="x", encoding="klingon")
    with pytest.raises(InputError, match="does not exist"):
        read_text(tmp_path / "missing.toml", what="scenario file")


def test_repairing_reader_across_chunks():
    body = ("x" * 70_000 + "Ø").encode() * 3 + "Ø".encode("latin-1") + "é".encode()
    r = RepairingUtf8Reader(io.BytesIO(body))
    out = io.BufferedReader(r).read().decode()
    assert out == ("x" * 70_000 + "Ø") * 3 + "Øé" and r.repaired == 1 and r.first_line == 1


def test_one_strict_key_check_for_every_config_loader(tmp_path):
    """Every TOML loader refuses a misspelt key with one message: the key, the file, the allowed keys, the guess."""
    from geoaccess.config import unknown_keys_message
    from geoaccess.measures.centrality import load_config as load_centrality
    from geoaccess.network.profiles import load_profile
    from geoaccess.regions.config import load_config as load_regions
    from geoaccess.scenario.spec import read_spec as load_scenario
    from geoaccess.strategy.town_selection import load_rules

    assert unknown_keys_message(["speeed_kmh"], ["speed_kmh", "name"], where="f.toml [x]") == (
        "f.toml [x]: unknown key 'speeed_kmh' (did you mean 'speed_kmh'?); allowed keys: name, speed_kmh.")
    assert unknown_keys_message(["b", "a"], ["zzz"], where="w", what="table") == (
        "w: unknown tables 'a', 'b'; allowed tables: zzz.")
    cases = [
        (load_limits, "[speeds]\nroad_max_kph = 130\n", "road_max_kph", "road_max_kmh"),
        (load_centrality, "horizon_minute = 90\n", "horizon_minute", "horizon_minutes"),
        (load_regions, "[ba]\nmin_size = 1\n", "min_size", "out_commuting_share"),
        (load_rules, "[omland]\nminute = 1\n", "minute", "minutes"),
        (load_profile, 'name = "car"\nspeeds = 1\n[speed.highway_kmh]\nprimary = 50\n', "speeds", "speed"),
        (load_scenario, 'name = "x"\nedit = []\n', "edit", "edits"),
    ]
    for i, (load, text, key, allowed) in enumerate(cases):
        p = tmp_path / f"c{i}.toml"
        p.write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as exc:
            load(p)
        msg = str(exc.value)
        assert f"unknown key '{key}'" in msg and p.name in msg and allowed in msg.split("allowed keys:")[1], msg
