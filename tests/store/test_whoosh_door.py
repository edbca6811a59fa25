"""The Whoosh door (searchlib/store/whoosh_compat.py): the only module that uses Whoosh's internals, it
refuses any Whoosh but the pinned one, and what it reads equals what Whoosh's public API says."""

from __future__ import annotations

import ast
import configparser
import os
import re
import subprocess
import sys
import warnings
from itertools import accumulate
from pathlib import Path

import whoosh
from whoosh import fields, index
from whoosh.util.numeric import byte_to_length

from searchlib.store import whoosh_compat

from ..conftest import ROOT

PACKAGE = ROOT / "searchlib"
# Internal Whoosh parts without a leading underscore: the codec, the segment list and files, the
# writer's parts and merge policy.
INTERNAL_NAMES = {"segment_id", "list_files", "perdocwriter", "fieldwriter", "mergetype", "COLUMN_EXT",
                  "LENGTHS_COLUMN"}
INTERNAL_MODULES = ("whoosh.codec", "whoosh.filedb", "whoosh.system", "whoosh.matching", "whoosh.multiproc")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name != "_"


def _defined_names(tree: ast.AST) -> set[str]:
    """The names a module defines or assigns (functions, classes, variables, attributes)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            out.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
    return out


def _whoosh_private_names() -> set[str]:
    names = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Whoosh's invalid escape sequences
        for path in Path(whoosh.__file__).parent.rglob("*.py"):
            names.update(n for n in _defined_names(ast.parse(path.read_bytes())) if _private(n))
    return names


def _whoosh_internals_used(path: Path, whoosh_private: set[str]) -> list[str]:
    """Each use of a Whoosh internal in one module, as 'file:line: what'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = _defined_names(tree)  # self._cache of a searchlib class is the module's own name
    found = []

    def use(node, what):
        found.append(f"{path.name}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "whoosh":
            if node.module.startswith(INTERNAL_MODULES):
                use(node, f"from {node.module} import ...")
            for alias in node.names:
                if _private(alias.name) or alias.name in INTERNAL_NAMES:
                    use(node, f"from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(INTERNAL_MODULES):
                    use(node, f"import {alias.name}")
        attr = None
        if isinstance(node, ast.Attribute):
            attr = node.attr
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("getattr", "hasattr", "setattr") and len(node.args) > 1 and \
                isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
            attr = node.args[1].value
        elif isinstance(node, ast.keyword):
            attr = node.arg
        if attr is None:
            continue
        if attr in INTERNAL_NAMES or (_private(attr) and attr in whoosh_private and attr not in own):
            use(node, attr)
        if attr.lstrip("_").startswith("searchlib"):
            use(node, f"{attr} (searchlib state set on a Whoosh object: keep it on searchlib's own)")
    return found


def test_only_the_door_uses_whoosh_internals():
    whoosh_private = _whoosh_private_names()
    assert {"_segments", "_read_toc", "_perdoc", "_next_block", "_stem"} <= whoosh_private
    found = [use for path in sorted(PACKAGE.rglob("*.py")) if path.name != "whoosh_compat.py"
             for use in _whoosh_internals_used(path, whoosh_private)]
    assert found == [], "Whoosh internals outside searchlib/store/whoosh_compat.py:\n" + "\n".join(found)


def test_the_check_finds_a_whoosh_internal(tmp_path):
    """The grep above must see what it is meant to catch."""
    sample = tmp_path / "sample.py"
    sample.write_text("from whoosh.system import _INT_SIZE\n"
                      "def f(ix, leaf, w):\n"
                      "    ix.searchlib_state = 1\n"
                      "    getattr(leaf, '_perdoc', None)\n"
                      "    w.commit(mergetype=None)\n"
                      "    return [s.segment_id() for s in ix._segments()]\n", encoding="utf-8")
    found = _whoosh_internals_used(sample, _whoosh_private_names())
    assert [f.split(": ", 1)[1].split(" ")[0] for f in found] == \
        ["from", "from", "searchlib_state", "_perdoc", "mergetype", "segment_id", "_segments"]


def test_the_door_pins_the_version_setup_cfg_pins():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    pins = re.findall(r"^\s*whoosh==(\S+)", config["options"]["install_requires"], re.M | re.I)
    assert pins == [whoosh_compat.PINNED] == [whoosh_compat.INSTALLED]


def test_another_whoosh_version_is_refused_with_the_way_out():
    code = ("import whoosh; whoosh.__version__ = (2, 7, 5)\n"
            "import searchlib.store.whoosh_compat\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert "searchlib needs Whoosh 2.7.4, and Whoosh 2.7.5 is installed" in result.stderr
    assert "pip install whoosh==2.7.4" in result.stderr


def _index(path: Path):
    """Three segments, deletions in one, a field some documents leave empty."""
    ix = index.create_in(str(path), fields.Schema(key=fields.ID(stored=True, unique=True),
                                                   body=fields.TEXT(), note=fields.TEXT()))
    for batch in range(3):
        with ix.writer() as w:
            w.mergetype = lambda writer, segments: segments  # keep every segment
            for i in range(batch * 150, batch * 150 + 150):
                words = ["common"] * (i % 5 + 1) + ["rare"] * (i % 37 == 0) + [f"w{i % 11}"] * (i % 3)
                w.add_document(key=f"k{i}", body=" ".join(words), note="note " * (i % 4) if i % 2 else "")
    with ix.writer() as w:
        w.mergetype = lambda writer, segments: segments
        for i in range(0, 450, 7):
            w.delete_by_term("key", f"k{i}")
    return index.open_dir(str(path))


def test_segment_ids_match_whoosh_readers(tmp_path):
    ix = _index(tmp_path)
    with ix.reader() as reader:
        ids = whoosh_compat.reader_segment_ids(reader)
        assert len(ids) == 3
        assert ids == [whoosh_compat.leaf_segment_id(leaf) for leaf, _ in reader.leaf_readers()]
    assert sorted(whoosh_compat.segment_ids(ix)) == sorted(ids)
    assert sorted(s.segment_id() for s in whoosh_compat.toc_segments(ix)) == sorted(ids)
    for segment in whoosh_compat.toc_segments(ix):
        assert all(os.path.exists(tmp_path / name) for name in whoosh_compat.segment_files(segment, ix))


def test_lengths_deletions_and_postings_read_by_the_door_equal_whoosh_public_api(tmp_path):
    ix = _index(tmp_path)
    with ix.reader() as top:
        for reader, _base in top.leaf_readers():
            docs = range(reader.doc_count_all())
            assert whoosh_compat.deleted_docs(reader) == {d for d in docs if reader.is_deleted(d)}
            assert whoosh_compat.deleted_docs(reader)
            deleted = whoosh_compat.deleted_docs(reader)
            for fieldname in ("body", "note"):
                raw = whoosh_compat.segment_lengths(reader, fieldname)
                # one byte per document; 0 is an empty field (None), as postings.py decodes them
                assert [byte_to_length(b) if b else None for b in raw] == \
                    [reader.doc_field_length(d, fieldname) for d in docs]
            for word in ("common", "rare", "w3", "note"):
                fieldname = "note" if word == "note" else "body"
                if (fieldname, word) not in reader:
                    continue
                matcher = reader.postings(fieldname, word)
                public = []
                while matcher.is_active():  # live documents only; the posting blocks hold them all
                    public.append((matcher.id(), matcher.weight(), matcher.value_as("positions")))
                    matcher.next()
                blocks = list(whoosh_compat.posting_blocks(reader, fieldname, word))
                assert word != "common" or len(blocks) > 1
                pairs = [(i, w) for ids, weights in blocks for i, w in zip(ids, weights)]
                ids, weights, values = whoosh_compat.term_postings(reader, fieldname, word)
                positions = [list(accumulate(d)) for d in whoosh_compat.decode_position_lists(values)]
                assert pairs == list(zip(ids, weights)) and len(positions) == len(pairs)
                assert [(i, w, p) for (i, w), p in zip(pairs, positions) if i not in deleted] == public
