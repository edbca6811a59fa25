"""Load stage: encodings, bad files reported (never fatal), stable keys."""

from __future__ import annotations

import os
import random

import pytest

from searchlib.derive.loading import LoadFailure, decode, iter_sources
from searchlib.derive.pipeline import extract

TEXT = "Officials in Kabul said the airport would reopen. Café owners welcomed the news."


def test_utf8_with_and_without_bom():
    assert decode(TEXT.encode("utf-8"), "text") == TEXT
    assert decode(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "text") == TEXT


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(encoding):
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    assert decode(bom + TEXT.encode(encoding), "text") == TEXT


def test_windows_1252_text_and_html():
    data = "Caf\u00e9 owners said \u201cenough\u201d in Kabul today, officials confirmed.".encode("cp1252")
    assert "Caf\u00e9" in decode(data, "text") and "\u201cenough\u201d" in decode(data, "text")
    html = b'<html><head><meta charset="windows-1252"></head><body><p>' + data + b"</p></body></html>"
    assert "Caf\u00e9" in decode(html, "html")


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    (b"   \n\t \n", "empty"),
    (b"\x00\x01\x02\x03" * 100, "binary"),
    (bytes(range(256)) * 20, "binary"),
])
def test_empty_and_binary_files_are_reported(data, reason):
    with pytest.raises(LoadFailure, match=reason):
        decode(data, "text", "x.txt")


def test_walk_finds_pages_recursively_with_relative_keys(tmp_path):
    """The order iter_sources promises: a folder's own pages by name, then its subfolders by name,
    each the same way, whatever order the file system lists them in (created shuffled here)."""
    pages = [("B.htm", "html"), ("a.txt", "text"), ("c.HTML", "html"), ("d.text", "text"),
             ("m/1.txt", "text"), ("m/2.html", "html"), ("m/n/0.txt", "text"), ("m/n/5.txt", "text"),
             ("x/3.txt", "text"), ("x/k.txt", "text"), ("z/1.txt", "text"), ("z/9.text", "text")]
    names = [name for name, _ in pages] + ["notes.pdf", "m/readme.md", "y/image.png"]
    for name in random.Random(7).sample(names, len(names)):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(TEXT)
    assert [(s.key, s.kind) for s in iter_sources([str(tmp_path)])] == pages


def test_a_folder_listed_twice_yields_each_key_once(tmp_path):
    (tmp_path / "one.txt").write_text(TEXT)
    assert [s.key for s in iter_sources([str(tmp_path), str(tmp_path)])] == ["one.txt"]


def test_missing_path_is_reported_not_raised(tmp_path):
    (item,) = list(iter_sources([str(tmp_path / "nope")]))
    assert isinstance(item, LoadFailure) and "no such" in item.reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_never_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (failure,) = extract([str(tmp_path)], jobs=1)  # opening it would block until a writer came
    assert isinstance(failure, LoadFailure) and "not a regular file" in failure.reason


def test_dangling_symlink_is_reported(tmp_path):
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    (failure,) = extract([str(tmp_path)], jobs=1)
    assert isinstance(failure, LoadFailure) and "dangling" in failure.reason


def test_symlink_loop_does_not_hang(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "one.txt").write_text(TEXT)
    assert [s.key for s in iter_sources([str(tmp_path)])] == ["one.txt"]


# ----------------------------------------------------------------------------- legacy code pages

@pytest.mark.parametrize("text, codepage", [
    ("Bürgermeister Müller", "cp1252"),
    ("Müller", "cp1252"),
    ("Le ministre a déclaré à Bamako", "cp1252"),
    ("Erdoğan", "cp1254"),
    ("Kılıçdaroğlu ve İçişleri Bakanı Soylu", "cp1254"),
    ("Gaziantep'te ışık", "cp1254"),
    ("Президент России заявил", "cp1251"),
    ("قال وزير الداخلية", "cp1256"),
])
def test_a_short_legacy_page_is_decoded_by_evidence(text, codepage):
    assert decode(f"{text} sagte am Dienstag.\n".encode(codepage), "text").startswith(text)


def test_a_long_utf8_page_with_one_stray_byte_stays_utf8():
    page = ("Der Bürgermeister Müller sagte am Dienstag, die Straße bleibe gesperrt. " * 40).encode() + b"\x92" + \
        ("Grüße aus Köln und Genève. " * 40).encode()
    text = decode(page, "text")
    assert "Müller" in text and "Genève" in text and "\ufffd" in text and "Ã" not in text


def test_a_declared_charset_is_used_when_it_decodes():
    page = b'<html><head><meta charset="windows-1251"></head><body><p>' + "Москва".encode("cp1251") + b"</p></body></html>"
    assert "Москва" in decode(page, "html")


def test_latin1_declared_is_read_as_windows_1252_as_browsers_do():
    page = b'<html><head><meta charset="iso-8859-1"></head><body><p>It\x92s Ren\xe9e</p></body></html>'
    assert "It\u2019s Renée" in decode(page, "html")
