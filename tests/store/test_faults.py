"""What the fault harness checks, on small fixtures: searches that run while an update commits,
and warm searchers that outlive several commits, find every document of the last completed run."""

from __future__ import annotations

import pytest
from whoosh import index as whoosh_index

from searchlib import SearchRequest, Searcher, build_index
from searchlib.store import indexing, whoosh_compat

PAGE = ("Story {n}\n\nOfficials in the capital said on Friday that the council would meet again next week "
        "to discuss the {word} report, according to a statement from the ministry.\n\n"
        "The statement said the {word} inquiry would publish its findings before the end of the year, "
        "and that version {version} of the text was final.\n")


def word(n: int) -> str:
    return "tok" + "".join("abcdefghij"[int(d)] for d in f"{n:04d}")


def write(folder, n: int, version: int = 0) -> None:
    (folder / f"page-{n:03d}.txt").write_text(PAGE.format(n=n, word=word(n), version=f"v{version}x"))


@pytest.fixture
def archive(tmp_path):
    """An archive of 12 pages, then incremental runs that each change one page until the index has
    more than 8 segments: the next run that changes something merges the small ones."""
    corpus, ix = tmp_path / "corpus", tmp_path / "ix"
    corpus.mkdir()
    for n in range(12):
        write(corpus, n)
    build_index([str(corpus)], str(ix), jobs=1)
    for run in range(1, 12):
        write(corpus, run, version=run)
        build_index([str(corpus)], str(ix), jobs=1)
        if segments(ix) > 8:
            break
    assert segments(ix) > 8
    return corpus, ix


def segments(ix) -> int:
    return len(whoosh_compat.segment_ids(whoosh_index.open_dir(indexing.current_generation(str(ix)))))


def found(searcher: Searcher, n: int) -> list[str]:
    return [h.key for h in searcher.search(SearchRequest(word(n))).hits]


def test_a_search_during_an_update_finds_every_unchanged_document(archive):
    corpus, ix = archive
    with Searcher(str(ix)) as before:  # opened before the update: it reads the previous commit
        write(corpus, 11, version=99)
        (corpus / "page-000.txt").unlink()
        build_index([str(corpus)], str(ix), jobs=1)  # merges segments: their files are deleted
        assert segments(ix) <= 8
        for n in range(12):
            assert found(before, n) == [f"page-{n:03d}.txt"], n
        assert before.search(SearchRequest(word(11))).hits[0].snippet
        assert before.search(SearchRequest(word(3))).hits[0].title == "Story 3"
    with Searcher(str(ix)) as after:
        assert found(after, 0) == [] and all(found(after, n) == [f"page-{n:03d}.txt"] for n in range(1, 12))


def test_a_searcher_uses_the_facet_table_of_the_commit_it_reads(archive, monkeypatch):
    corpus, ix = archive
    real = whoosh_index.FileIndex.searcher
    landed = []

    def a_commit_lands_right_after_the_reader_opened(self, **kwargs):
        searcher = real(self, **kwargs)
        if not landed:  # once: the update commits (and writes its facet table) in this window
            landed.append(True)
            write(corpus, 12)
            write(corpus, 5, version=50)
            (corpus / "page-001.txt").unlink()
            build_index([str(corpus)], str(ix), jobs=1)
        return searcher

    monkeypatch.setattr(whoosh_index.FileIndex, "searcher", a_commit_lands_right_after_the_reader_opened)
    with Searcher(str(ix)) as s:
        keys = sorted(h.key for h in s.search(SearchRequest("*", limit=100, all=True)).hits)
        reader_keys = sorted(stored["key"] for stored in s.searcher.reader().all_stored_fields())
        assert keys == reader_keys  # the facet table lists the documents this searcher reads
        assert s.facet_cache.docs == sorted(s.searcher.reader().all_doc_ids())
        for key in reader_keys:
            assert found(s, int(key[5:8])) == [key]


def test_a_warm_searcher_keeps_the_near_duplicates_of_its_commit_after_later_commits(tmp_path):
    import shutil

    from ..conftest import FIXTURES

    corpus, ix = tmp_path / "corpus", tmp_path / "ix"
    shutil.copytree(FIXTURES, corpus)
    build_index([str(corpus)], str(ix), jobs=1)
    with Searcher(str(ix)) as warm:  # opened, not used yet (a web view between two requests)
        for n in range(2):  # two commits: the facet table is replaced, the first commit's side files go
            write(corpus, n)
            build_index([str(corpus)], str(ix), jobs=1)
        result = warm.search(SearchRequest("Khalilzad"))
        assert result.total == 1 and result.hits[0].duplicates == 1 and result.hits[0].cluster == "wire-copy-a.txt"


def test_a_page_is_found_by_a_word_of_its_sentence_that_starts_with_by(tmp_path):
    # the harness's "document of the last completed run is missing": its pages are sentences of
    # random words, and a twelve-word one starting with "By" was dropped as a byline
    corpus, ix = tmp_path / "corpus", tmp_path / "ix"
    corpus.mkdir()
    lines = ["Treaty parliament with election ceasefire on strike was drought to inquiry in.",
             "By the court election that mayor census festival court qvshdotbagzq ruling protest.",
             "Reform newspaper to editor in the inquiry drought flood inquiry council editor.",
             "A budget on with editor flood parliament museum and vote in the.",
             "By for treaty for at in editor with from ruling in qvfydynrfggk."]
    (corpus / "k000750_hzvs.txt").write_text("\n".join(lines) + "\n")
    (corpus / "k000751_abcd.html").write_text(
        "<html><head><title>Story</title></head><body><article><h1>Story</h1>"
        + "".join(f"<p>{line.replace('qv', 'qw')}</p>" for line in lines) + "</article></body></html>")
    build_index([str(corpus)], str(ix), jobs=1)
    with Searcher(str(ix)) as s:
        for word, key in (("qvshdotbagzq", "k000750_hzvs.txt"), ("qvfydynrfggk", "k000750_hzvs.txt"),
                          ("qwshdotbagzq", "k000751_abcd.html"), ("qwfydynrfggk", "k000751_abcd.html")):
            assert [h.key for h in s.search(SearchRequest(word)).hits] == [key], word
