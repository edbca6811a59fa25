"""An archive that never loses a page: roots remembered with their key labels, batches added over
years, pages recognised by content, upgrades re-derived, overlapping runs, killed parents."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from searchlib import SearchRequest, build_index, search
from searchlib.store import indexing
from searchlib.derive import pipeline
from searchlib.errors import BadValue, RemovalRefused

from ..conftest import FIXTURES, invoke

PAGE = ("<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        "<p>KABUL (Agency) - Officials in Kabul said on Friday that {what}, according to the interior "
        "ministry, which gave no figures.</p><p>The Taliban said the security of the city was now its "
        "responsibility and promised an investigation into the attack near the airport.</p></article></body></html>")
TEXT = ("{title}\n\nKABUL (Agency) - Officials in Kabul said on Friday that {what}, according to the interior "
        "ministry, which gave no figures.\n\nThe Taliban said the security of the city was now its "
        "responsibility and promised an investigation into the attack near the airport.\n")


def page(title: str, what: str = "flights would resume") -> str:
    return PAGE.format(title=title, what=what)


def keys(index_dir, query="*"):
    return sorted(h.key for h in search(SearchRequest(query, limit=1000, all=True), str(index_dir)).hits)


def batch(folder, names, kind="html"):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        body = page(f"Report {name}", f"report {name} was filed") if kind == "html" else \
            TEXT.format(title=f"Report {name}", what=f"report {name} was filed")
        (folder / name).write_text(body)
    return folder


# ----------------------------------------------------------------------------- keys

def test_same_relative_path_under_two_roots_keeps_both_pages(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "index.html").write_text(page("Taliban enter Kabul"))
    (b / "index.html").write_text(page("Baghdadi killed in Syria raid"))
    report = build_index([str(a), str(b)], str(tmp_path / "ix"), jobs=1)
    assert (report.added, report.failed) == (2, [])
    assert keys(tmp_path / "ix") == ["b/index.html", "index.html"]


def test_keys_stay_the_same_on_every_run(tmp_path):
    a, b = batch(tmp_path / "a", ["x.html"]), batch(tmp_path / "b", ["x.html", "y.html"])
    ix = tmp_path / "ix"
    build_index([str(a), str(b)], str(ix), jobs=1)
    first = keys(ix)
    again = build_index([str(b), str(a)], str(ix), jobs=1)  # another order: the labels are remembered
    assert (again.added, again.removed, again.unchanged) == (0, 0, 3)
    assert keys(ix) == first == ["b/x.html", "b/y.html", "x.html"]


def test_a_new_roots_label_never_collides_with_a_folder_of_the_first_root(tmp_path):
    first = batch(tmp_path / "first", ["top.html"])
    batch(first / "b", ["index.html"])  # first/b/index.html has the key b/index.html
    other = batch(tmp_path / "other" / "b", ["index.html"])  # a second root named b
    report = build_index([str(first), str(other)], str(tmp_path / "ix"), jobs=1)
    assert report.added == 3 and not report.failed
    assert keys(tmp_path / "ix") == ["b-2/index.html", "b/index.html", "top.html"]


def drop_checksums(gen: str) -> None:
    """An older searchlib recorded no checksums; a hand-edited manifest would not match them."""
    for name in os.listdir(gen):
        if name.startswith("sums."):
            os.remove(os.path.join(gen, name))


def test_an_archive_from_before_root_labels_migrates_and_says_what_changed(tmp_path, runner):
    a, b = batch(tmp_path / "a", ["x.html"]), batch(tmp_path / "b", ["x.html", "y.html"])
    ix = tmp_path / "ix"
    build_index([str(a), str(b)], str(ix), jobs=1)
    # rewrite the manifest as an older searchlib wrote it: plain root paths, keys without labels
    gen = indexing.current_generation(str(ix))
    name = next(n for n in os.listdir(gen) if n.startswith("files."))
    with open(os.path.join(gen, name)) as fh:
        manifest = json.load(fh)
    manifest["roots"] = [r["path"] for r in manifest["roots"]]
    manifest["files"] = {k: v[:5] for k, v in manifest["files"].items()}
    with open(os.path.join(gen, name), "w") as fh:
        json.dump(manifest, fh)
    drop_checksums(gen)
    report = build_index(None, str(ix), jobs=1)
    assert (report.failed, report.rekeyed, report.removed) == ([], [], 0)
    assert keys(ix) == ["b/x.html", "b/y.html", "x.html"]
    assert report.rederived == 3  # an older archive's records are re-derived by the current version
    stats = json.loads(invoke(runner, "stats", "--index", ix, "--format", "json").stdout)
    assert [r["label"] for r in stats["roots"]] == ["", "b"]


def test_an_older_archive_whose_second_root_lost_pages_gets_them_back_re_keyed(tmp_path):
    a, b = batch(tmp_path / "a", ["x.html"]), batch(tmp_path / "b", ["only-b.html"])
    ix = tmp_path / "ix"
    build_index([str(a)], str(ix), jobs=1)
    gen = indexing.current_generation(str(ix))
    name = next(n for n in os.listdir(gen) if n.startswith("files."))
    with open(os.path.join(gen, name)) as fh:
        manifest = json.load(fh)
    # as the old code indexed `a b`: b's file under its bare relative path
    build_index([str(b)], str(tmp_path / "scratch"), jobs=1)
    manifest["roots"] = [str(a), str(b)]
    manifest["files"] = {k: v[:5] for k, v in manifest["files"].items()}
    manifest["files"]["only-b.html"] = [1, 1, "0" * 64, str(b / "only-b.html"), ["only-b.html"]]
    with open(os.path.join(gen, name), "w") as fh:
        json.dump(manifest, fh)
    drop_checksums(gen)
    report = build_index(None, str(ix), jobs=1)
    assert report.rekeyed == [("only-b.html", "b/only-b.html")]
    assert keys(ix) == ["b/only-b.html", "x.html"]


# ----------------------------------------------------------------------------- batches

def test_adding_a_batch_keeps_the_previous_batch(tmp_path, runner):
    ix = tmp_path / "ix"
    build_index([str(batch(tmp_path / "batch1", ["a.html", "b.html"]))], str(ix), jobs=1)
    result = invoke(runner, "index", tmp_path / "batch2", "--index", ix, "--format", "json") \
        if batch(tmp_path / "batch2", ["c.html"]) else None
    data = json.loads(result.stdout)
    assert (data["added"], data["removed"], data["kept"]) == (1, 0, 2)
    assert keys(ix) == ["a.html", "b.html", "batch2/c.html"]


def test_a_run_without_paths_scans_every_remembered_root(tmp_path):
    ix = tmp_path / "ix"
    one, two = batch(tmp_path / "one", ["a.html"]), batch(tmp_path / "two", ["b.html"])
    build_index([str(one)], str(ix), jobs=1)
    build_index([str(two)], str(ix), jobs=1)
    (one / "a.html").write_text(page("Report a", "the report was corrected"))
    (two / "c.html").write_text(page("Report c"))
    report = build_index(None, str(ix), jobs=1)
    assert (report.added, report.updated, report.kept) == (1, 1, 0)
    assert keys(ix) == ["a.html", "two/b.html", "two/c.html"]


def test_forget_drops_a_root_and_only_its_documents(tmp_path, runner):
    ix = tmp_path / "ix"
    build_index([str(batch(tmp_path / "one", ["a.html"]))], str(ix), jobs=1)
    build_index([str(batch(tmp_path / "two", ["b.html", "c.html"]))], str(ix), jobs=1)
    result = invoke(runner, "index", "--forget", "two", "--index", ix)
    assert result.exit_code == 0 and "forgotten" in result.stderr
    assert keys(ix) == ["a.html"]
    stats = json.loads(invoke(runner, "stats", "--index", ix, "--format", "json").stdout)
    assert [r["path"] for r in stats["roots"]] == [str(tmp_path / "one")]


def test_forgetting_an_unknown_root_changes_nothing(tmp_path):
    ix = tmp_path / "ix"
    build_index([str(batch(tmp_path / "one", ["a.html"]))], str(ix), jobs=1)
    with pytest.raises(BadValue, match="not a root of this archive"):
        build_index(None, str(ix), forget=["nope"])
    assert keys(ix) == ["a.html"]


def test_a_root_missing_from_disk_keeps_its_documents_and_says_so(tmp_path):
    ix = tmp_path / "ix"
    one = batch(tmp_path / "one", ["a.html"])
    build_index([str(one)], str(ix), jobs=1)
    build_index([str(batch(tmp_path / "two", ["b.html"]))], str(ix), jobs=1)
    shutil.rmtree(one)  # an unmounted disk
    report = build_index(None, str(ix), jobs=1)
    assert report.missing_roots == [str(one)] and report.removed == 0
    assert keys(ix) == ["a.html", "two/b.html"]


def test_a_run_that_would_remove_most_of_the_archive_stops_unless_pruned(tmp_path, runner):
    ix = tmp_path / "ix"
    folder = batch(tmp_path / "pages", [f"p{i:02}.txt" for i in range(20)], kind="text")
    build_index([str(folder)], str(ix), jobs=1)
    for f in list(folder.iterdir())[:12]:
        f.unlink()  # an emptied sub-folder, a half-synced disk...
    result = invoke(runner, "index", folder, "--index", ix)
    assert result.exit_code == 2 and "would remove 12 of the archive's 20 documents" in result.stderr
    assert "--prune" in result.stderr and len(keys(ix)) == 20  # nothing changed
    with pytest.raises(RemovalRefused):
        build_index([str(folder)], str(ix), jobs=1, confirm=lambda what: False)
    assert build_index([str(folder)], str(ix), jobs=1, confirm=lambda what: True).removed == 12
    assert len(keys(ix)) == 8


def test_prune_allows_a_large_removal(tmp_path):
    ix = tmp_path / "ix"
    folder = batch(tmp_path / "pages", [f"p{i:02}.txt" for i in range(20)], kind="text")
    build_index([str(folder)], str(ix), jobs=1)
    for f in list(folder.iterdir())[:15]:
        f.unlink()
    assert build_index([str(folder)], str(ix), jobs=1, prune=True).removed == 15


def test_a_path_inside_a_known_root_is_not_a_second_copy(tmp_path):
    ix = tmp_path / "ix"
    root = batch(tmp_path / "archive", ["a.html"])
    batch(root / "2021", ["b.html"])
    build_index([str(root)], str(ix), jobs=1)
    report = build_index([str(root / "2021")], str(ix), jobs=1)
    assert report.added == 0 and keys(ix) == ["2021/b.html", "a.html"]


# ----------------------------------------------------------------------------- what is a page

@pytest.mark.parametrize("name", ["story.shtml", "article.php", "page.xhtml", "news.aspx", "item.asp", "STORY.HTM",
                                  "index", "view.jsp", "Page.Html"])
def test_pages_are_recognised_by_content_whatever_their_name(tmp_path, name):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / name).write_text(page("Taliban enter Kabul"))
    report = build_index([str(folder)], str(tmp_path / "ix"), jobs=1)
    assert (report.added, report.failed, report.skipped) == (1, [], [])


def test_a_text_scrape_without_an_extension_is_indexed(tmp_path):
    folder = tmp_path / "scrapes"
    folder.mkdir()
    (folder / "kabul-report").write_text(TEXT.format(title="Kabul airport", what="flights would resume"))
    assert build_index([str(folder)], str(tmp_path / "ix"), jobs=1).added == 1


def test_files_that_are_not_pages_are_named_in_the_summary(tmp_path, runner):
    folder = tmp_path / "saved"
    batch(folder, ["story.html"])
    (folder / "story_files").mkdir()
    (folder / "story_files" / "style.css").write_text("body { color: red }")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    (folder / "blob").write_bytes(bytes(range(256)) * 8)
    (folder / "notes.md").write_text("# what this folder is")
    result = invoke(runner, "index", folder, "--index", tmp_path / "ix", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    named = {os.path.basename(s["path"]): s["reason"] for s in data["skipped"]}
    assert set(named) == {"style.css", "photo.jpg", "blob", "notes.md"} and data["added"] == 1
    assert named["blob"] == "not a page: binary content" and ".jpg" in named["photo.jpg"]
    for name in named:
        assert name in result.stderr  # also named on stderr
    text = invoke(runner, "index", folder, "--index", tmp_path / "ix")
    assert "4 files not pages, not indexed" in text.stderr


def test_hidden_files_and_symlinked_folders_are_reported_not_followed(tmp_path):
    folder = batch(tmp_path / "saved", ["story.html"])
    outside = batch(tmp_path / "elsewhere", ["other.html"])
    (folder / ".hidden.html").write_text(page("Hidden"))
    os.symlink(outside, folder / "linked")
    report = build_index([str(folder)], str(tmp_path / "ix"), jobs=1)
    reasons = {os.path.basename(p): r for p, r in report.skipped}
    assert reasons == {".hidden.html": "hidden file: not indexed",
                       "linked": "symlinked folder: not followed (--follow-links follows it)"}
    assert keys(tmp_path / "ix") == ["story.html"]


def test_a_link_to_a_file_outside_the_roots_is_not_read(tmp_path, runner):
    secret = tmp_path / "private" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nsecretaccount:x:1000:1000::/home/s:/bin/sh\n")
    folder = batch(tmp_path / "saved", ["story.html"])
    os.symlink(secret, folder / "passwd.txt")
    result = invoke(runner, "index", folder, "--index", tmp_path / "ix", "--format", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["added"] == 1
    assert [s["reason"] for s in data["skipped"]] == [
        "link to a file outside the roots: not followed (--follow-links follows it)"]
    assert keys(tmp_path / "ix", "secretaccount") == []


def test_follow_links_reads_linked_folders_once_even_in_a_loop(tmp_path):
    folder = batch(tmp_path / "saved", ["story.html"])
    outside = batch(tmp_path / "elsewhere", ["other.html"])
    os.symlink(outside, folder / "linked")
    os.symlink(folder, outside / "back")  # a loop
    report = build_index([str(folder)], str(tmp_path / "ix"), jobs=1, follow_links=True)
    assert keys(tmp_path / "ix") == ["linked/other.html", "story.html"]
    assert [os.path.basename(p) for p, _ in report.skipped] == ["back"]


def test_an_arc_file_found_in_a_folder_is_read_as_a_crawl(tmp_path):
    folder = tmp_path / "crawls"
    folder.mkdir()
    body = page("Taliban enter Kabul").encode()
    http = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    header = b"filedesc://crawl.arc 0.0.0.0 20210815000000 text/plain 76\n1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n\n"
    header = header.replace(b" 76\n", b" %d\n" % (len(header.split(b"\n", 1)[1]) - 1), 1)
    record = b"http://news.example.org/kabul 1.2.3.4 20210815101500 text/html %d\n" % len(http) + http + b"\n"
    (folder / "crawl.arc").write_bytes(header + record)
    report = build_index([str(folder)], str(tmp_path / "ix"), jobs=1)
    assert report.skipped == [] and report.added == 1, (report.failed, report.skipped)


# ----------------------------------------------------------------------------- upgrades

def test_an_upgrade_re_derives_pages_made_by_another_version(tmp_path, monkeypatch):
    ix = tmp_path / "ix"
    folder = batch(tmp_path / "pages", ["a.html", "b.html"])
    build_index([str(folder)], str(ix), jobs=1)
    monkeypatch.setattr(pipeline, "DERIVE_VERSION", "derive-next")
    monkeypatch.setattr(pipeline, "derive", _derive_with_version(pipeline.derive, "derive-next"))
    report = build_index([str(folder)], str(ix), jobs=1)
    assert (report.rederived, report.updated, report.unchanged) == (2, 2, 0)
    assert "re-derived by the new version derive-next" in report.summary()
    again = build_index([str(folder)], str(ix), jobs=1)
    assert (again.rederived, again.unchanged) == (0, 2)
    from searchlib.query.searching import Searcher

    with Searcher(str(ix)) as s:
        assert s.document("a.html")["version"] == "derive-next"


def _derive_with_version(derive, version):
    import dataclasses

    def wrapped(*args, **kwargs):
        return dataclasses.replace(derive(*args, **kwargs), version=version)
    return wrapped


def test_the_derive_version_is_a_digest_of_code_and_data():
    assert pipeline.DERIVE_VERSION.startswith("derive-") and len(pipeline.DERIVE_VERSION) == 19
    assert pipeline._derive_version() == pipeline.DERIVE_VERSION  # stable within one installation


def test_show_and_stats_give_each_records_derive_version(tmp_path, runner):
    ix = tmp_path / "ix"
    build_index([str(batch(tmp_path / "pages", ["a.html"]))], str(ix), jobs=1)
    shown = json.loads(invoke(runner, "show", "a.html", "--index", ix, "--format", "json").stdout)
    assert shown["version"] == pipeline.DERIVE_VERSION
    stats = json.loads(invoke(runner, "stats", "--index", ix, "--format", "json").stdout)
    assert stats["derive_versions"] == {pipeline.DERIVE_VERSION: 1}


# ----------------------------------------------------------------------------- writers

def _run_index(folder, ix, queue):
    try:
        report = build_index([folder], ix, jobs=1, wait=120)
        queue.put(("ok", report.added, report.updated))
    except Exception as e:  # noqa: BLE001
        queue.put(("error", type(e).__name__, str(e)))


def test_two_overlapping_updates_leave_one_copy_per_key(tmp_path):
    ix = str(tmp_path / "ix")
    folder = batch(tmp_path / "pages", ["seed.html"])
    build_index([str(folder)], ix, jobs=1)
    batch(folder, [f"new{i:02}.html" for i in range(30)])
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_run_index, args=(str(folder), ix, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    answers = sorted(queue.get(timeout=5) for _ in procs)
    assert [a[0] for a in answers] == ["ok", "ok"], answers
    assert sorted(a[1] for a in answers) == [0, 30]  # the second planned after the first published
    from searchlib.query.searching import Searcher

    with Searcher(ix) as s:
        stored = [f["key"] for f in s.searcher.reader().all_stored_fields()]
    assert len(stored) == len(set(stored)) == 31


def test_the_workers_of_a_killed_run_exit_and_release_the_lock(tmp_path):
    folder = batch(tmp_path / "pages", [f"p{i:03}.txt" for i in range(300)], kind="text")
    ix = tmp_path / "ix"
    script = ("import sys, searchlib.engines.local as e\n"
              "orig = e.derive_into\n"
              "def slow(sources, shard):\n"
              "    import time; time.sleep(0.5); return orig(sources, shard)\n"
              "e.derive_into = slow\n"
              "from searchlib import build_index\n"
              f"build_index([{str(folder)!r}], {str(ix)!r}, jobs=2)\n")
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 60
    children = []
    while time.time() < deadline and len(children) < 2:
        time.sleep(0.2)
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True).stdout
        children = [int(x) for x in out.split()]
    assert len(children) >= 2, "the run never started its workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and [c for c in children if _alive(c)]:
        time.sleep(0.1)
    assert not [c for c in children if _alive(c)], "workers outlived their run"
    with indexing.write_lock(str(ix), wait=2):  # nobody holds the lock any more
        pass


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
