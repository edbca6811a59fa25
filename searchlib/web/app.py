"""A librarian's browser view: ``searchlib serve``, a read-only Flask app over the library API.

Every search goes through ``searching.Searcher.search``, so the page, ``/api/search``, the exports
and the CLI give the same answers. The whole search state lives in the URL (``state.py``).

This module holds the routes (``create_app``) and the command (``serve_command``); the rest of the
web view is one module per concern:

- ``state.py``: the search state read from the URL, and the warm searcher;
- ``search_page.py``: what the search page shows (facet sidebar, timeline, chips, page links);
- ``doc_page.py``: what the document page shows (each tag with its sentences);
- ``security.py``: the Host check, the security headers and the one-line answers made without Flask.

Flask is imported only inside ``create_app`` and ``serve_command``, so importing this module
(the CLI does) stays cheap.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterable

import click

from ..errors import BadValue
from ..settings import DEFAULT_INDEX, EXPORT_CHUNK, FACET_SHOWN, INDEX_ENV, PER_PAGE, RESULT_LIMIT
from .doc_page import capture_links, check_replay_url, evidence_rows, provenance_rows
from .search_page import chips, empty_help, facet_panels, highlight, page_links, timeline
from .security import (LOOPBACK_NAMES, Guard, HostCheck, allow_header, host_name, host_names, relative_location,
                       request_handler, without_paths)
from .state import State, WarmSearcher, filter_params, request_fields, whole_number

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

# The routes read these names from this module (a test may patch PER_PAGE or facet_panels here),
# and callers from before the web view was split into modules find them here.
__all__ = ["ALL_HITS", "BadValue", "FACET_SHOWN", "LOOPBACK_NAMES", "PER_PAGE", "State", "create_app",
           "facet_panels", "filter_params", "highlight", "host_names", "relative_location", "request_fields",
           "request_handler", "serve_command", "timeline"]

ALL_HITS = RESULT_LIMIT  # the timeline, pagination and exports read every match


# ----------------------------------------------------------------------------- the app

def create_app(index_dir: str, allowed_hosts: Iterable[str] = LOOPBACK_NAMES, port: int | None = None,
               replay_url: str | None = None) -> "Flask":
    """The read-only web app over the index at ``index_dir`` (which may not exist yet: 503 until built).

    Args:
        index_dir: the index folder.
        allowed_hosts: the host names (or addresses) browsers may address the app by, ``*`` for any;
            other Host headers get 400. ``host_names()`` gives the ones for a listening address.
        port: the port a Host header may name besides none; None accepts any port.
        replay_url: a replay service's URL template (``https://wayback.example.org/{timestamp}/{url}``):
            a web archive capture's page links the capture there.

    Raises:
        BadValue: for an ``allowed_hosts`` entry that is not a host name or address, or a
            ``replay_url`` that is not a URL template (``doc_page.check_replay_url``).
    """
    import json

    import jinja2
    from flask import Flask, Response, make_response, render_template, request, url_for
    from werkzeug.exceptions import HTTPException, MethodNotAllowed

    from ..query import rendering
    from ..errors import BadQuery, IndexCorrupt, IndexNotFound, SearchlibError, UnknownFacetValue

    app = Flask(__name__, static_folder=None)  # the static route is added below, once OPTIONS is off
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False  # read-only: OPTIONS answers 405 like POST
    app.static_folder = "static"
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=app.send_static_file)
    app.config["SEARCHLIB_INDEX"] = index_dir
    replay_url = check_replay_url(replay_url)
    app.jinja_env.autoescape = True  # every template, whatever its name
    app.jinja_env.undefined = jinja2.StrictUndefined  # a misspelt variable is an error, not an empty string
    app.jinja_env.filters["highlight"] = highlight
    warm = WarmSearcher(index_dir)
    app.extensions["searchlib"] = warm

    @app.context_processor
    def defaults():  # no page names the index folder: it is where the server keeps its files
        return {"form_q": request.args.get("q", ""), "hidden": []}

    app.wsgi_app = Guard(app.wsgi_app, app.logger, HostCheck(allowed_hosts, port))  # Host check, security headers

    def run(state: State, limit: int, facets: bool = False, timeline: bool = False, **options):
        with warm.use() as searcher:
            return searcher.search(state.request(limit, facets, timeline, **options))

    @app.get("/")
    def search_page():
        state = State.from_args(request.args)
        # every value of each facet: the sidebar shows FACET_SHOWN of them, "more" lists them all
        result = run(state, PER_PAGE, facets=True, timeline=True, facet_limit=0, offset=(state.page - 1) * PER_PAGE)
        pages = max(1, math.ceil(result.total / PER_PAGE))
        shown = result.hits
        offers = empty_help(result, state, lambda other, with_facets: run(
            other, 0, facets=with_facets, facet_limit=FACET_SHOWN))
        return render_template(
            "search.html", state=state, result=result, hits=shown, pages=pages,
            page_links=page_links(state, pages) if pages > 1 else [],
            first_rank=(state.page - 1) * PER_PAGE + 1, panels=facet_panels(result, state),
            timeline=search_timeline(state), chips=chips(result, state),
            hidden=state.hidden_fields("q", "page"), date_hidden=state.hidden_fields("from", "to", "page"),
            offers=offers, active=len(chips(result, state)),
        )

    @app.get("/doc/<path:key>")
    def document(key: str):
        try:
            state = State.from_args(request.args)
        except BadValue:
            state = State()
        with warm.use() as searcher:
            rec = searcher.capture(key)
        if rec is None:
            return render_template("error.html", status=404, title="No such document",
                                   message=f"No document with key or path {key!r} in this index.", hint="", fixes=[]), 404
        paragraphs = [p.strip() for p in (rec.get("text") or "").split("\n") if p.strip()]
        return render_template("doc.html", rec=rec, state=state, paragraphs=paragraphs, rows=evidence_rows(rec),
                               links=capture_links(rec, replay_url), back=state.url(page=state.page),
                               hidden=state.hidden_fields("q", "page"), provenance=provenance_rows(rec))

    @app.get("/api/search")
    def api_search():
        state = State.from_args(request.args)
        raw = request.args.get("limit", "").strip() or str(PER_PAGE)
        limit = whole_number(raw, 0, ALL_HITS)
        if limit is None:
            raise BadValue(f"Invalid limit {raw!r}: use a whole number from 0 to {ALL_HITS}")
        facets = request.args.get("facets", "1").strip().lower() not in ("0", "false", "no", "off")
        raw_facet_limit = request.args.get("facet_limit", "").strip()
        facet_limit = whole_number(raw_facet_limit, 0, ALL_HITS) if raw_facet_limit else None
        if raw_facet_limit and facet_limit is None:
            raise BadValue(f"Invalid facet_limit {raw_facet_limit!r}: use a whole number from 0 (0: every value)")
        offset = (state.page - 1) * limit
        result = run(state, limit, facets, offset=offset, facet_limit=facet_limit)
        data = result.as_dict()
        more = limit and offset + len(result.hits) < result.total
        data["next"] = url_for("api_search", **{**state.params(page=state.page + 1, expand=None),
                                                **{k: v for k, v in request.args.items() if k in ("limit", "facets",
                                                                                                  "facet_limit")}},
                               ) if more else None
        return Response(json.dumps(data, ensure_ascii=False), mimetype="application/json")

    def export(fmt: str, mimetype: str):
        """Every hit of the search, EXPORT_CHUNK at a time from one searcher (memory stays bounded
        whatever the total); the first chunk before the answer starts, so a bad value is a 400."""
        import io

        state = State.from_args(request.args)
        chunk = EXPORT_CHUNK

        def page(searcher, offset: int):
            return searcher.search(state.request(chunk, offset=offset))

        holder = warm.use()
        searcher = holder.__enter__()
        try:
            first = page(searcher, 0)
        except BaseException:
            holder.__exit__(None, None, None)
            raise

        def lines():
            try:
                result, offset = first, 0
                while True:
                    out = io.StringIO()
                    rendering.write_hits(result.hits, fmt, out, header=offset == 0)
                    yield out.getvalue()
                    offset += chunk
                    if not result.hits or offset >= result.total:
                        return
                    result = page(searcher, offset)
            finally:
                holder.__exit__(None, None, None)

        response = Response(lines(), mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="searchlib-results.{fmt}"'
        return response

    @app.get("/export.csv")
    def export_csv():
        return export("csv", "text/csv")

    @app.get("/export.jsonl")
    def export_jsonl():
        return export("jsonl", "application/x-ndjson")

    # --- the analyst views (query/analysis.py): JSON endpoints and /analysis, over the same searches

    from ..query import analysis
    from . import analysis_page as analyst

    def search_timeline(state: State) -> dict:
        """The search page's timeline: ``analysis.timeline`` of its search (bucket from the span)."""
        with warm.use() as searcher:
            return timeline(analysis.timeline(searcher, state.request(0)), state)

    def json_response(data: dict):
        return Response(json.dumps(analyst.with_urls(data), ensure_ascii=False), mimetype="application/json")

    @app.get("/api/timeline")
    def api_timeline():
        state, options = State.from_args(request.args), analyst.options(request.args)
        with warm.use() as searcher:
            if options["by"]:
                data = analysis.comparative_timeline(searcher, state.request(0), by=options["by"],
                                                     series=options["series"], bucket=options["bucket"])
            else:
                data = analysis.timeline(searcher, state.request(0), bucket=options["bucket"])
        return json_response(data)

    @app.get("/api/co-mentions")
    def api_co_mentions():
        state, options = State.from_args(request.args), analyst.options(request.args)
        with warm.use() as searcher:
            data = analysis.co_mentions(searcher, state.request(0), rows=options["rows"], cols=options["cols"],
                                        limit=options["limit"])
        return json_response(data)

    @app.get("/analysis")
    def analysis_page():
        state, options = State.from_args(request.args), analyst.options(request.args, by_default="group")
        with warm.use() as searcher:
            mentions = analysis.co_mentions(searcher, state.request(0), rows=options["rows"], cols=options["cols"],
                                            limit=options["limit"])
            timelines = analysis.comparative_timeline(searcher, state.request(0), by=options["by"],
                                                      series=options["series"], bucket=options["bucket"])
        api = {name: url_for(endpoint, **state.params(expand=None, sort=None, page=None),
                             **{k: v for k, v in options.items() if v is not None and k in keys})
               for name, endpoint, keys in (("co_mentions", "api_co_mentions", ("rows", "cols", "limit")),
                                            ("timeline", "api_timeline", ("by", "series", "bucket")))}
        return render_template("analysis.html", state=state, options=options, matrix=analyst.matrix(mentions),
                               multiples=analyst.multiples(timelines), facet_choices=analyst.facet_choices(),
                               buckets=analyst.BUCKETS, back=state.url(), api=api,
                               form_hidden=state.hidden_fields("page"), hidden=state.hidden_fields("q", "page"))

    def wants_text() -> bool:
        return request.path.startswith("/api/") or request.path.startswith("/export.")

    def error_response(status: int, title: str, message: str, hint: str = "", fixes: list | None = None):
        message = without_paths(message, index_dir)
        if wants_text():
            if request.path.startswith("/api/"):
                return Response(json.dumps({"error": message}, ensure_ascii=False), status=status,
                                mimetype="application/json")
            return Response(f"Error: {message}\n", status=status, mimetype="text/plain")
        return render_template("error.html", status=status, title=title, message=message, hint=hint,
                               fixes=fixes or []), status

    def did_you_mean(e: UnknownFacetValue) -> list[dict]:
        """An unknown filter value's closest known values, each a link to the same search with it."""
        if not (e.facet and e.value and e.hints) or wants_text():
            return []
        try:
            state = State.from_args(request.args)
        except SearchlibError:
            return []
        return [{"label": hint, "href": state.replace(e.facet, e.value, hint)} for hint in e.hints]

    @app.errorhandler(SearchlibError)
    def user_error(e: SearchlibError):
        message = " ".join(str(e).split())  # one line, whatever the value held
        if not isinstance(e, (BadValue, BadQuery)):  # the operator's business: the log has the paths
            app.logger.warning("%s: %s", request.path, message)
        # the commands name the index as INDEX: the page never says where the server keeps it
        if isinstance(e, IndexCorrupt):
            return error_response(503, "The index is damaged", message, hint="searchlib index --rebuild --index INDEX")
        if isinstance(e, IndexNotFound):
            return error_response(503, "No index to search", message,
                                  hint="searchlib index PATH-TO-PAGES --index INDEX")
        if isinstance(e, (BadValue, BadQuery)):
            fixes = did_you_mean(e) if isinstance(e, UnknownFacetValue) else []
            if fixes:  # the links say it: the message stops before its "Did you mean"
                message = message.split(" Did you mean:")[0]
            return error_response(400, "Cannot search for that", message, fixes=fixes)
        return error_response(503, "The index is not available", message)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        response = make_response(error_response(e.code or 500, e.name, e.description or e.name))
        for name, value in e.get_headers():  # Allow of a 405, Retry-After, ...
            if name.lower() != "content-type":
                response.headers[name] = value
        if isinstance(e, MethodNotAllowed):
            response.headers["Allow"] = allow_header(e.valid_methods or ())
        return response

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        app.logger.exception("unexpected error on %s", request.path)
        return error_response(500, "Internal error", "Something went wrong while answering this page; "
                              "the server log has the details.")

    return app


# ----------------------------------------------------------------------------- the command

def _check_port(host: str, port: int) -> None:
    """Raises OSError when ``host:port`` cannot be bound (in use, or not an address of this machine)."""
    import socket

    for family, kind, proto, _name, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
        return


def _allow_host_option(ctx, param, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return tuple("*" if value == "*" else host_name(value) for value in values)
    except BadValue as e:
        raise click.BadParameter(str(e)) from None


@click.command(name="serve")
@click.option("--index", "index_dir", envvar=INDEX_ENV, default=DEFAULT_INDEX, show_default=True,
              type=click.Path(file_okay=False), help=f"Index folder (or set {INDEX_ENV}).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only this machine can connect unless you change it.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME", callback=_allow_host_option,
              help="Also answer browsers that address this server as NAME (a host name or address, no port); "
                   "repeatable. Other names get 400, so that no web page can read the archive through a "
                   "browser here (DNS rebinding). '*' answers any name: only behind a proxy that checks it.")
@click.option("--replay-url", metavar="TEMPLATE",
              help="Link each web archive capture to a replay service (pywb, OpenWayback, the Internet Archive): "
                   "a URL with {url} and {timestamp} (the 14-digit crawl time), "
                   "e.g. 'https://web.archive.org/web/{timestamp}/{url}'.")
def serve_command(index_dir, host, port, allow_hosts, replay_url):
    """Browse the archive in a web browser: search box, facet sidebar, timeline, one page per document.

    Read-only. The app keeps one searcher open and picks up index updates
    (`searchlib index` runs) on the next page load. Stop it with Ctrl-C.

    \b
    Example:
        searchlib index corpus/
        searchlib serve                 # then open http://127.0.0.1:8080/
        searchlib serve --index /data/archive-index --port 8000
        searchlib serve --host 0.0.0.0 --allow-host archive.example.org
    """
    from werkzeug.serving import make_server

    from ..store import indexing
    from ..errors import SearchlibError

    try:
        check_replay_url(replay_url)
    except SearchlibError as e:
        raise click.UsageError(str(e)) from None
    try:
        indexing.current_generation(index_dir)
    except SearchlibError as e:
        click.echo(f"Warning: {e} (the pages say so until it exists)", err=True)
    names = host_names(host, allow_hosts)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Warning: listening on {host}: other machines can read this archive.", err=True)
        if not allow_hosts:
            click.echo(f"Warning: it answers only requests addressed to {', '.join(names)}; add --allow-host NAME "
                       "for each name or address other machines use", err=True)
    if "*" in names:
        click.echo("Warning: --allow-host '*' answers any Host name, so any web page a browser here opens can "
                   "read the archive (DNS rebinding); use it only behind a proxy that checks the name", err=True)
    try:
        _check_port(host, port)  # werkzeug would print its own message and exit
        app = create_app(index_dir, allowed_hosts=names, port=port, replay_url=replay_url)
        server = make_server(host, port, app, threaded=True, request_handler=request_handler())
    except (OSError, SystemExit) as e:
        reason = getattr(e, "strerror", None) or "the address is not available"
        raise click.ClickException(f"Cannot listen on {host}:{port}: {reason}; "
                                   "choose another --port or stop the program using it") from None
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"Serving {index_dir} at http://{shown_host}:{server.server_port}/ (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
