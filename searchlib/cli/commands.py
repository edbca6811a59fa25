"""Command line: flags -> one library call -> rendering. Nothing here searches or parses pages.

Imports of Whoosh, bs4 and trafilatura happen inside the commands that need them, so that
``search`` does not pay for the HTML cleaner and ``--help`` is instant.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys

import click

from .. import __version__
from .. import settings
from ..errors import IndexNotFound, SearchlibError

FORMAT_CHOICE = click.Choice(["text", "json", "jsonl", "csv"])


INTERRUPTED = 130  # 128 + SIGINT, as shells report a program stopped by Ctrl-C (1 means "files skipped")


def user_errors(fn):
    """SearchlibError -> 'Error: ...' on stderr and its exit code; Ctrl-C -> one line and exit
    code 130 (Click would say "Aborted!" and exit 1, which means "some files skipped"); never a
    traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SearchlibError as e:
            err = click.ClickException(str(e))
            err.exit_code = e.exit_code
            raise err from e
        except BrokenPipeError:  # `searchlib search ... | head -1`: the reader has what it wanted
            _quiet_stdout()
            sys.exit(0)
        except (KeyboardInterrupt, click.Abort):  # Abort: Ctrl-C at a prompt (click.confirm)
            what = "; an interrupted run leaves the previous index searchable, and the next run finishes the " \
                   "job" if fn.__name__ == "index_command" else ""
            err = click.ClickException(f"Interrupted (Ctrl-C){what}")
            err.exit_code = INTERRUPTED
            raise err from None

    return wrapper


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit meets no closed pipe (which
    would print "Exception ignored ... BrokenPipeError")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


@contextlib.contextmanager
def index_writes(index_dir: str):
    """An I/O error writing the index that the library did not translate (a read-only folder, a
    full disk while creating it) -> IndexIOError (exit 74) with the path, as for a full disk."""
    from ..errors import IndexIOError

    try:
        yield
    except OSError as e:
        where = f" ({e.filename})" if e.filename else ""
        raise IndexIOError(f"Cannot write the index at {index_dir}: {e.strerror or e}{where}; "
                           "the previous index is unchanged") from None


def index_option(fn):
    return click.option(
        "--index", "index_dir", envvar=settings.INDEX_ENV, default=settings.DEFAULT_INDEX, show_default=True,
        type=click.Path(file_okay=False), help=f"Index folder (or set {settings.INDEX_ENV}).",
    )(fn)


_filters_made: tuple = ((), [])  # (the registry's facets, their options): see filter_options


def filter_options() -> list[click.Option]:
    """The filters shared by search and export (same names, same alias resolution): each facet's
    own (facets.py), then the date range. Made again only when the registry changed: Click tells
    options apart by identity between parsing and processing."""
    from .. import facets

    made_for, options = _filters_made
    if made_for != tuple(map(id, facets.FACETS)):
        options = [option for facet in facets.filters() for option in facet.click_options()] + [
            click.Option([f"--not-{facet.name}", f"not_{facet.option}"], multiple=True, metavar="VALUE",
                         help=f"Leave out pages with this {facet.name} (values as for {facet.flag}); repeatable.")
            for facet in facets.filters()] + [
            click.Option(["--from", "date_from"], help="Published on or after: 2021, 2021-08 or 2021-08-26."),
            click.Option(["--to", "date_to"], help="Published on or before: 2021, 2021-08 or 2021-08-26 (inclusive)."),
            click.Option(["--crawled-from", "crawled_from"],
                         help="Web archive captures crawled on or after (UTC): 2019, 2019-08 or 2019-08-15."),
            click.Option(["--crawled-to", "crawled_to"],
                         help="Web archive captures crawled on or before (UTC, inclusive): 2019, 2019-08 or 2019-08-15."),
        ]
        globals()["_filters_made"] = (tuple(map(id, facets.FACETS)), options)
    return options


class FilterCommand(click.Command):
    """A command with the shared filters (filter_options) right after its arguments, made when it
    parses or shows its help rather than at import, so that a facet registered later has its flag.
    The command function takes them as keyword arguments (``**filters``)."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        at = next((i for i, p in enumerate(params) if not isinstance(p, click.Argument)), len(params))
        return params[:at] + filter_options() + params[at:]


def stderr():
    """The progress bar's stream. Messages use click.echo(err=True), which (like stdout() below)
    writes UTF-8 when the stream is set up as ASCII."""
    return sys.stderr


def stdout():
    """Data. Click's "-" file: sys.stdout itself, or re-wrapped as UTF-8 when it is set up as ASCII
    (what click.get_text_stream did; that is deprecated since Click 8.5)."""
    return click.open_file("-", "w")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="searchlib")
def cli():
    """Search a news archive about terrorism and counter-terrorism.

    \b
    Example:
        searchlib index corpus/
        searchlib search "ISIS-K" --country Afghanistan
    """


# ----------------------------------------------------------------------------- index

@cli.command(name="index")
@click.argument("paths", nargs=-1, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index and swap it in atomically, instead of updating.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Worker processes for cleaning and tagging (default: all cores).")
@click.option("--wait", type=click.FloatRange(0), default=5.0, show_default=True, help="Seconds to wait for another writer before giving up (exit 75).")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: only when stderr is a terminal).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Summary format.")
@click.option("--from-jsonl", "from_jsonl", type=click.Path(dir_okay=False), default=None,
              help="Rebuild the index from a `searchlib export --with-text` file instead of pages.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where cleaning, tagging and shard writing run: local processes, or a Dask cluster (pip install \"searchlib[dask]\").")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: start a local cluster of --jobs processes).")
@click.option("--partitions", type=click.IntRange(1, 100000), default=None,
              help="Dask tasks (lists of files), each writing one shard (default: 2 per worker, more for big corpora).")
@click.option("--shards", "shards_dir", type=click.Path(file_okay=False), default=None,
              help="Folder every Dask worker and this process see (NFS, Lustre...) for partition output (default: the index folder).")
@click.option("--records-only", is_flag=True,
              help="Write the derived records as JSON Lines into --shards DIR (part-NNNNN/records.jsonl) and do not index.")
@click.option("--forget", "forget", multiple=True, metavar="ROOT",
              help="Drop a root (its path or label, see `searchlib stats`) and its documents from the archive. Repeatable.")
@click.option("--follow-links", is_flag=True,
              help="Follow symlinked folders, and links to files outside the folders given (default: named, not followed).")
@click.option("--prune", is_flag=True,
              help="Allow this run to remove any number of documents whose files are gone (otherwise a run that "
                   "would remove over 10% of the archive asks on a terminal, or stops with exit 2).")
@user_errors
def index_command(paths, index_dir, rebuild, jobs, wait, progress, fmt, from_jsonl, engine, scheduler, partitions,
                  shards_dir, records_only, forget, follow_links, prune):
    """Index (or update the index of) the pages under PATHS.

    The archive remembers every root it is given: a run over new PATHS adds them, and the
    documents of the other roots stay. Without PATHS, every remembered root is scanned again.
    New, changed and removed files are found and only those are processed; each run publishes
    all of its changes or none. Files that cannot be read are named on stderr (exit code 1);
    files that are not pages (images, style sheets...) are named and counted, not indexed.

    \b
    Example:
        searchlib index corpus/
        searchlib index            # daily update of every remembered folder
        searchlib index batch2/    # add a folder; corpus/ stays
        searchlib index --forget batch2/
        searchlib index corpus/ --rebuild
        searchlib index --from-jsonl archive.jsonl --index restored/
        searchlib index corpus/ --engine dask --scheduler tcp://10.0.0.5:8786 --shards /nfs/tmp
        searchlib index corpus/ --records-only --shards records/
    """
    from ..store import indexing

    if engine != "dask" and (scheduler or partitions):
        raise click.UsageError("--scheduler and --partitions need --engine dask")
    if records_only and not shards_dir:
        raise click.UsageError("--records-only needs --shards DIR (where the JSON Lines go)")
    options = {k: v for k, v in (("scheduler", scheduler), ("partitions", partitions), ("shards", shards_dir)) if v}
    if engine != "dask":
        options.pop("shards", None)
    if records_only:
        from ..engines import dask_engine as distributed

        options.pop("shards", None)
        report = distributed.write_records(list(paths), shards_dir, engine=engine, jobs=jobs, **options)
        _print_report(report, fmt)
        sys.exit(1 if report.failed else 0)
    if from_jsonl:
        if paths:
            raise click.UsageError("Give either PATHS or --from-jsonl, not both")
        with index_writes(index_dir):
            report = indexing.import_records(from_jsonl, index_dir, wait=wait)
        _print_report(report, fmt)
        return
    from ..engines.local import get_engine

    run_engine = get_engine(engine, jobs, **options)
    show = progress if progress is not None else stderr().isatty()
    interactive = sys.stdin.isatty() and stderr().isatty()

    def confirm(what: str) -> bool:  # a large removal: ask on a terminal, refuse elsewhere (exit 2)
        return interactive and click.confirm(f"{what[0].upper()}{what[1:]}. Go on?", default=False, err=True)

    if show:
        with index_writes(index_dir), click.progressbar(length=1, label="Cleaning and tagging", file=stderr(),
                                                        show_pos=True, show_eta=True) as bar:
            def step(done, total):
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            report = indexing.build_index(list(paths), index_dir, progress=step, rebuild=rebuild, wait=wait,
                                          engine=run_engine, forget=forget, prune=prune, confirm=confirm,
                                          follow_links=follow_links)
    else:
        with index_writes(index_dir):
            report = indexing.build_index(list(paths), index_dir, rebuild=rebuild, wait=wait,
                                          engine=run_engine, forget=forget, prune=prune, confirm=confirm,
                                          follow_links=follow_links)
    _print_report(report, fmt)
    sys.exit(1 if report.failed else 0)


def _print_report(report, fmt):
    import json

    for path, reason in report.failed:
        click.echo(f"skipped {_printable(path)}: {reason}", err=True)
    for path, reason in getattr(report, "notes", [])[:settings.SKIPPED_SHOWN]:
        click.echo(f"note {_printable(path)}: {reason}", err=True)
    skipped = getattr(report, "skipped", [])
    for path, reason in skipped[:settings.SKIPPED_SHOWN]:
        click.echo(f"not indexed {_printable(path)}: {reason}", err=True)
    if len(skipped) > settings.SKIPPED_SHOWN:
        click.echo(f"not indexed: {len(skipped) - settings.SKIPPED_SHOWN} more files (--format json lists every one)", err=True)
    for old, new in getattr(report, "rekeyed", [])[:settings.SKIPPED_SHOWN]:
        click.echo(f"re-keyed {old} -> {new}", err=True)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        click.echo(report.summary(), err=True)


def _printable(path: str) -> str:
    """A path shown on one line, whatever bytes or newlines its name holds."""
    text = os.fsdecode(path) if isinstance(path, bytes) else path
    return text.encode("utf-8", "backslashreplace").decode("utf-8").encode("unicode_escape").decode("ascii") \
        if not text.isprintable() else text


# ----------------------------------------------------------------------------- extract

@cli.command(name="extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "text"]), default="jsonl", show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Worker processes (default: all cores).")
@user_errors
def extract_command(paths, fmt, jobs):
    """Clean and tag pages without indexing: one JSON object per file.

    Keys: path, key, title, author, published, text, groups, countries, officials
    ({name, role, country}), dates. Unreadable files are named on stderr (exit 1).

    \b
    Example:
        searchlib extract corpus/ --format jsonl
    """
    from ..derive import loading, pipeline
    from .. import records as record_codec
    from ..query import rendering

    failed, records = 0, []
    for item in pipeline.extract(list(paths), jobs=jobs):
        if isinstance(item, loading.LoadFailure):
            failed += 1
            click.echo(f"skipped {_printable(item.path)}: {item.reason}", err=True)
        elif fmt == "json":
            records.append(record_codec.extract(item))  # one JSON document: collect, then write
        else:
            rendering.write_records([record_codec.extract(item)], fmt, stdout())
    if fmt == "json":
        rendering.write_records(records, "json", stdout())
    sys.exit(1 if failed else 0)


# ----------------------------------------------------------------------------- search

def _ensure_index(index_dir: str) -> None:
    """First search on a fresh checkout: build ./index from ./corpus, saying so on stderr."""
    from ..store import indexing

    try:
        indexing.current_generation(index_dir)
        return
    except IndexNotFound:
        if index_dir != settings.DEFAULT_INDEX or settings.INDEX_ENV in os.environ or not os.path.isdir("corpus"):
            raise
    click.echo(f"No index at {index_dir}/ yet: building it from corpus/ ...", err=True)
    with index_writes(index_dir):
        report = indexing.build_index(["corpus"], index_dir, wait=settings.MAIN_JOB_WAIT)
    _print_report(report, "text")


@click.command(name="search", cls=FilterCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("query", required=False, default="")
@click.option("--limit", "-n", type=click.IntRange(0, settings.RESULT_LIMIT), default=10, show_default=True,
              help="Hits to show; 0: count only (the total, and --facets).")
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True,
              help="Hits to skip first: the next page is --offset plus --limit.")
@click.option("--sort", default="relevance", show_default=True, metavar="ORDER",
              help="relevance, date (newest first) or oldest (oldest first); undated pages come last.")
@click.option("--facets", is_flag=True, help="Add counts per group, country, official, source and year over all matches.")
@click.option("--facet-limit", type=click.IntRange(0), default=settings.FACET_LIMIT,
              show_default=True, help="Values per facet with --facets; 0: every value.")
@click.option("--all", "show_all", is_flag=True, help="Show every near-duplicate copy of a story (default: one hit per story).")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True)
@click.option("--batch", type=click.File("r", encoding="utf-8"), default=None,
              help="Run one lookup per line of FILE (- for stdin): a query or a JSON object of options; "
                   "one JSON result per line out, each with its line number.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing: the exit code says whether anything matched (0) or not (1).")
@index_option
@click.version_option(__version__, prog_name="searchlib")
@click.pass_context
@user_errors
def search_command(ctx, query, limit, offset, sort, facets, facet_limit, show_all, fmt, batch, quiet, index_dir,
                   **filters):
    """Search the archive for QUERY (optional when a filter is given).

    Repeated values of one filter combine with OR (--country Iraq --country Syria: either);
    different filters combine with AND. Exit code 0 with hits, 1 with none, 2 on a user error.
    A search that finds nothing suggests other spellings on stderr. With --batch, each line is
    one lookup (its options override the command line's) and gives one JSON line with its
    "line" number; exit code 2 if any line was bad, else 0.

    \b
    Example:
        search "ISIS-K" --country Afghanistan
        search Daesh --from 2015 --to 2016-06 --format json
        search --group "Islamic State" --facets
        printf 'ISIS-K\\n{"query": "Daesh", "from": "2015"}\\n' | search --batch -
    """
    from click.core import ParameterSource

    from ..query import rendering, searching

    if batch is not None:
        if query:
            raise click.UsageError("--batch reads the queries from FILE: give no QUERY argument")
        for name, flag in (("fmt", "--format"), ("quiet", "--quiet")):
            if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
                raise click.UsageError(f"--batch always writes JSON Lines: {flag} does not apply")
    _ensure_index(index_dir)
    options = searching.SearchRequest(limit=0 if quiet else limit, offset=offset, sort=sort, facets=facets and not quiet,
                                      facet_limit=facet_limit, all=show_all).with_options(**filters)
    if batch is not None:
        sys.exit(_run_batch(batch, index_dir, options))
    request = options.with_options(query=query)
    result = searching.search(request, index_dir)
    if not quiet:
        out = stdout()
        rendering.write_result(result, fmt, out)
        out.flush()
        if not result.total and result.suggestions and fmt == "text":
            click.echo(f"Did you mean: {', '.join(result.suggestions)}?", err=True)
    sys.exit(0 if result.total else 1)


def _run_batch(lines, index_dir, defaults) -> int:
    """One warm searcher for many lookups; a bad line gets an {"error"} object and exit code 2."""
    import gc
    import json

    from ..query import searching

    out, errors = stdout(), 0
    with searching.Searcher(index_dir) as s:
        s.facet_cache  # noqa: B018 - loaded now, then frozen: the cyclic collector never rescans the
        gc.freeze()    # long-lived tables between lookups (half of its time in a batch)
        for number, line in enumerate(lines, 1):  # one output line per input line, blank ones too
            if not line.strip():
                result = {"line": number, "skipped": "blank line"}
                out.write(json.dumps(result) + "\n")
                continue
            try:
                result = {**s.search(searching.request_from_line(line, defaults)).as_dict(), "line": number}
            except SearchlibError as e:
                errors += 1
                result = {"line": number, "error": " ".join(str(e).split())}
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()
    return 2 if errors else 0


cli.add_command(search_command)


@cli.command(name="export", cls=FilterCommand)
@click.argument("query", required=False, default="")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--with-text", is_flag=True, help="Include the clean text (needed to rebuild an index with index --from-jsonl).")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", help="Write to FILE instead of stdout.")
@index_option
@user_errors
def export_command(query, fmt, with_text, output, index_dir, **filters):
    """Export the catalogue (metadata, tags, provenance) of every matching document.

    Without QUERY or filters, the whole archive. JSONL made with --with-text round-trips:
    searchlib index --from-jsonl FILE rebuilds the index without the original pages.

    \b
    Example:
        searchlib export --format jsonl --with-text -o archive.jsonl
        searchlib export --country Somalia --format csv -o somalia.csv
    """
    from ..query import rendering, searching

    request = searching.SearchRequest(query=query).with_options(**filters)
    with searching.Searcher(index_dir) as s:
        count = rendering.write_export(s.export(request, with_text), fmt, output, with_text)
    click.echo(f"exported {count} document{'s' if count != 1 else ''}", err=True)


# ----------------------------------------------------------------------------- show, facets, stats

@cli.command(name="show")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@index_option
@user_errors
def show_command(key, fmt, index_dir):
    """Print one indexed document by KEY or PATH: metadata, tags with evidence, clean text.

    A web archive capture also lists every capture of its URL. A URL captured more than once
    names the keys of its captures (exit code 2): show one by its key.

    \b
    Example:
        searchlib show 01-kabul-airport.txt --format json
        searchlib show 'crawl-2019.warc.gz#1062'
    """
    import json

    from ..query import rendering, searching

    with searching.Searcher(index_dir) as s:
        rec = s.capture(key)
    if rec is None:
        raise click.ClickException(f"No document with key or path {key!r} in {index_dir}")
    if fmt == "json":
        click.echo(json.dumps(rec, ensure_ascii=False, indent=2))
    else:
        rendering.write_document(rec, stdout())


class FacetChoice(click.Choice):
    """The registered facets' names (facets.py), read when a value is checked or shown."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self):
        from .. import facets

        return tuple(facets.names())

    @choices.setter
    def choices(self, _value) -> None:
        pass


@cli.command(name="facets")
@click.argument("facet", required=False, type=FacetChoice())
@click.option("--limit", "-n", type=click.IntRange(0, settings.RESULT_LIMIT), default=0, help="Values per facet (0: all).")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True)
@index_option
@user_errors
def facets_command(facet, limit, fmt, index_dir):
    """List facet values with document counts over the whole archive.

    \b
    Example:
        searchlib facets country --limit 10
    """
    from ..query import rendering, searching

    with searching.Searcher(index_dir) as s:
        counts = s.facets(facet, limit or None)
    rendering.write_facets(counts, fmt, stdout())


@cli.command(name="stats")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@index_option
@user_errors
def stats_command(fmt, index_dir):
    """Documents, per-year counts, top facet values, index size and last update.

    \b
    Example:
        searchlib stats --format json
    """
    import json

    from ..query import reporting

    data = reporting.stats(index_dir)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        reporting.write_text(data, stdout())


@cli.command(name="check")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@index_option
@user_errors
def check_command(fmt, index_dir):
    """Verify the archive: every file of the index against the sha256 recorded when it was
    written, and every record, term and posting read back. Exit code 0 when it is intact,
    2 when a file is damaged (each one is named) or there is no index.

    \b
    Example:
        searchlib check --index /data/archive-index
    """
    import json

    from ..store import indexing
    from ..errors import IndexCorrupt

    report = indexing.check_index(index_dir)
    for path, reason in report.problems:
        click.echo(f"damaged {_printable(path)}: {reason}", err=True)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        click.echo(report.summary())
    if report.problems:
        raise IndexCorrupt(f"The index at {index_dir} is damaged ({len(report.problems)} file"
                           f"{'s' if len(report.problems) > 1 else ''}); nothing was changed; "
                           f"{indexing.rebuild_hint(index_dir)}")


# ----------------------------------------------------------------------------- analyze

@cli.group(name="analyze")
def analyze_group():
    """Analyst views of a search: timelines and co-mentions, counted over every match.

    Near-duplicates count once per story (--all: every copy). Each period, series and cell
    of the JSON output carries the filter of its search (a search --batch line). Exit code
    0 when the search matches something, 1 when it matches nothing, 2 on a user error.

    \b
    Example:
        searchlib analyze timeline Taliban --by country --format json
        searchlib analyze co-mentions "ISIS-K" --rows group --cols country
    """


def _analysis_request(query: str, show_all: bool, filters: dict):
    """The request of an analyst view: QUERY and the filters, or the whole archive when neither is given."""
    from ..query import searching

    given = any(value for name, value in filters.items() if name != "exact_group")
    return searching.SearchRequest(query=query or ("" if given else "*"), limit=0, all=show_all).with_options(**filters)


def _write_analysis(data: dict, fmt: str) -> None:
    from ..query import analysis

    out = stdout()
    analysis.write(data, fmt, out)
    out.flush()
    sys.exit(0 if data["total"] else 1)


ANALYSIS_FORMAT = click.Choice(["text", "json", "csv"])


@analyze_group.command(name="timeline", cls=FilterCommand)
@click.argument("query", required=False, default="")
@click.option("--by", "by", metavar="FACET", default=None,
              help="Also one series per top value of this facet (group, country, official, source, host...).")
@click.option("--series", type=click.IntRange(1, settings.SERIES_MAX), default=settings.SERIES, show_default=True,
              help="Series with --by: the values that select the most matches.")
@click.option("--bucket", type=click.Choice(["year", "month", "day"]), default=None,
              help="Period of each bar (default: from the span of the dates: years over ~6 years, months over "
                   "~3 months, else days).")
@click.option("--all", "show_all", is_flag=True, help="Count every near-duplicate copy (default: one per story).")
@click.option("--format", "fmt", type=ANALYSIS_FORMAT, default="text", show_default=True)
@index_option
@user_errors
def analyze_timeline_command(query, by, series, bucket, show_all, fmt, index_dir, **filters):
    """Matches of QUERY (and the filters) per year, month or day, every period present.

    Undated matches are counted apart; in a timeline by day, so are the matches dated only
    to a month. With --by, the same timeline for each top value of a facet.

    \b
    Example:
        searchlib analyze timeline Taliban
        searchlib analyze timeline --country Afghanistan --by group --series 3 --format csv
    """
    from ..query import analysis

    _ensure_index(index_dir)
    request = _analysis_request(query, show_all, filters)
    if by is None:
        data = analysis.timeline(index_dir, request, bucket=bucket)
    else:
        data = analysis.comparative_timeline(index_dir, request, by=by, series=series, bucket=bucket)
    _write_analysis(data, fmt)


@analyze_group.command(name="co-mentions", cls=FilterCommand)
@click.argument("query", required=False, default="")
@click.option("--rows", default="group", show_default=True, metavar="FACET",
              help="Facet of the rows (group, country, official, source, host...).")
@click.option("--cols", default="country", show_default=True, metavar="FACET", help="Facet of the columns.")
@click.option("--limit", "-n", type=click.IntRange(1, settings.CO_MENTIONS_MAX), default=settings.CO_MENTIONS,
              show_default=True, help="Rows and columns: the values that select the most matches.")
@click.option("--all", "show_all", is_flag=True, help="Count every near-duplicate copy (default: one per story).")
@click.option("--format", "fmt", type=ANALYSIS_FORMAT, default="text", show_default=True)
@index_option
@user_errors
def analyze_co_mentions_command(query, rows, cols, limit, show_all, fmt, index_dir, **filters):
    """How many stories matching QUERY (and the filters) mention both a row value and a column value.

    A group counts with its affiliates, as --group selects them (--exact-group: alone). CSV
    and text give the matrix with each value's total and the search's total first.

    \b
    Example:
        searchlib analyze co-mentions "ISIS-K"
        searchlib analyze co-mentions --country Afghanistan --rows official --cols group --format json
    """
    from ..query import analysis

    _ensure_index(index_dir)
    data = analysis.co_mentions(index_dir, _analysis_request(query, show_all, filters), rows=rows, cols=cols,
                                limit=limit)
    _write_analysis(data, fmt)


@cli.command(name="serve", context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                             "help_option_names": []}, add_help_option=False)
@click.pass_context
def serve_command(ctx):
    """Browse the archive in a web browser (see: searchlib serve --help).

    \b
    Example:
        searchlib serve --index index --port 8080
    """
    from ..web import app as serving  # imported only here: a search process does not load the web app

    serving.serve_command.main(args=ctx.args, prog_name="searchlib serve", standalone_mode=True)
