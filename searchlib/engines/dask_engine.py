"""The Dask engine: clean, tag and write shards on a cluster; check every shard before it is adopted.

A *partition* is a list of input files (pages or WARC files). One task per partition reads its
files, derives their records with the same pure function as the local engine
(``pipeline.derive_file``), writes them as JSON Lines and as a Whoosh shard into a folder on
storage every worker and the client see, and returns a manifest entry: partition id, inputs with
their hashes, record count and keys, the code version and the size and sha256 of every file it
wrote. A task writes into a private temporary folder and renames it over ``part-NNNNN`` only
when complete, so a re-run partition replaces its own output (idempotent) and Dask's retries,
after an exception or a dead worker, are safe.

The client checks each partition's folder against its manifest (files, hashes, document count
and keys, code version) before handing the shard to ``indexing.build_index``, which adopts every
shard in one commit under the index write lock (``sharding.adopt``/``commit_with``).

Dask is an optional extra (``pip install "searchlib[dask]"``) and is imported only here.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import uuid
import socket
from dataclasses import dataclass, replace
from typing import Callable, Iterator

from .. import __version__, fsutil, records
from ..derive import loading, pipeline
from ..errors import BadValue, EngineFailed, IndexIOError
from ..processes import WorkerPool
from ..settings import FILES_PER_PARTITION

RECORDS = "records.jsonl"
MANIFEST = "manifest.json"
SHARD = "shard"


class ClusterError(EngineFailed):
    """A partition failed on the cluster (after its retries) or its output does not match its
    manifest; nothing was published (exit code 70)."""


def code_version() -> str:
    """What a worker must run for its records to equal the client's: searchlib, cleaner, tagger."""
    return f"searchlib {__version__} ({pipeline.Record.__dataclass_fields__['version'].default})"


# ----------------------------------------------------------------------------- partitions

def plan_partitions(sources: list[loading.SourceFile], count: int) -> list[list[loading.SourceFile]]:
    """Split ``sources`` into at most ``count`` runs of consecutive files with about equal bytes
    (a WARC file weighs what it holds), each file key once."""
    unique, seen = [], set()
    for source in sources:
        if source.key not in seen:
            seen.add(source.key)
            unique.append(source)
    if not unique:
        return []
    count = max(1, min(count, len(unique)))
    sizes = []
    for source in unique:
        try:
            sizes.append(max(os.path.getsize(source.path), 1))
        except OSError:
            sizes.append(1)  # the task will report it
    target = sum(sizes) / count
    parts: list[list[loading.SourceFile]] = [[]]
    done = 0
    for i, (source, size) in enumerate(zip(unique, sizes)):
        left = len(unique) - i  # keep at least one file for each partition still to fill
        if parts[-1] and len(parts) < count and (done >= target * len(parts) or left <= count - len(parts)):
            parts.append([])
        parts[-1].append(source)
        done += size
    return parts


def default_partitions(files: int, workers: int) -> int:
    """Two partitions per worker (a slow one is not the last to start), more for big corpora."""
    return max(1, min(files, max(2 * workers, math.ceil(files / FILES_PER_PARTITION))))


@dataclass
class PartitionResult:
    """What a task returns: its manifest entry and one FileResult per input (text left out)."""

    entry: dict
    results: list[pipeline.FileResult]


def run_partition(number: int, sources: list[loading.SourceFile], out_root: str, version: str,
                  shard: bool = True, hook: Callable[[str], None] | None = None) -> PartitionResult:
    """Derive one partition into ``out_root/part-NNNNN`` (records, shard, manifest); idempotent.

    Everything is written into a fresh temporary folder, fsynced, then renamed over the
    partition's folder, so a retry (or a second copy of the task) replaces the output as a whole.
    ``hook(folder)`` runs just before the rename (tests kill the worker there).
    """
    from ..store.documents import document
    from ..store.sharding import ShardWriter  # Whoosh is imported only where a shard is written or read

    if version != code_version():
        raise ClusterError(f"This worker runs {code_version()}, the client {version}: install the same "
                           "searchlib on every worker")
    name = f"part-{number:05d}"
    tmp = os.path.join(out_root, f".{name}.tmp-{uuid.uuid4().hex[:12]}")
    os.mkdir(tmp)  # not makedirs: when the run is over and out_root is gone, write nothing
    writer = ShardWriter(os.path.join(tmp, SHARD)) if shard else None
    try:
        results, inputs, keys, seen = [], [], [], set()
        with open(os.path.join(tmp, RECORDS), "w", encoding="utf-8") as fh:
            for source in sources:
                result = pipeline.derive_file(source)
                kept = [r for r in result.records if r.key not in seen]
                for record in kept:
                    seen.add(record.key)
                    keys.append(record.key)
                    fh.write(records.json_line(records.discovery(records.encode(record))))
                    if writer is not None:
                        writer.add(document(record))
                inputs.append({"key": source.key, "path": loading.printable_name(source.path), "sha256": result.sha256,
                               "records": len(kept), "failures": len(result.failures)})
                results.append(pipeline.light(replace(result, records=kept)))
            fh.flush()
            os.fsync(fh.fileno())
        shard_dir = writer.commit() if writer is not None else None
        entry = {"partition": number, "name": name, "version": version, "inputs": inputs, "records": len(keys),
                 "keys": sorted(keys), "shard": SHARD if shard_dir else None, "files": _file_hashes(tmp)}
        _write_json(os.path.join(tmp, MANIFEST), entry)
        for folder in (os.path.join(tmp, SHARD), tmp):
            if os.path.isdir(folder):
                fsutil.fsync_dir(folder)
        if hook is not None:
            hook(tmp)
        _replace_dir(tmp, os.path.join(out_root, name))
    except BaseException:
        if writer is not None:
            writer.cancel()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PartitionResult(entry, results)


def _file_hashes(folder: str) -> dict[str, list]:
    """name -> [size, sha256] for every file under ``folder`` (relative, '/'-separated)."""
    out = {}
    for dirpath, _dirs, files in os.walk(folder):
        for name in sorted(files):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, folder).replace(os.sep, "/")
            out[rel] = [os.path.getsize(full), fsutil.file_sha256(full)]
            with open(full, "rb") as fh:
                os.fsync(fh.fileno())
    return out


def _write_json(path: str, data) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())


def _replace_dir(tmp: str, final: str) -> None:
    """Put ``tmp`` where ``final`` is, replacing an earlier attempt's folder as a whole."""
    for _attempt in range(5):
        old = None
        if os.path.exists(final):
            old = f"{os.path.dirname(final)}/.{os.path.basename(final)}.old-{uuid.uuid4().hex[:12]}"
            try:
                os.rename(final, old)
            except FileNotFoundError:
                old = None  # another attempt moved it just now
        try:
            os.rename(tmp, final)
        except OSError:
            if old:
                shutil.rmtree(old, ignore_errors=True)
            continue  # another attempt put its folder there meanwhile: replace it again
        if old:
            shutil.rmtree(old, ignore_errors=True)
        fsutil.fsync_dir(os.path.dirname(final))
        return
    raise ClusterError(f"Cannot put partition output in place at {final}")


# ----------------------------------------------------------------------------- validation

def validate_partition(out_root: str, entry: dict, sources: list[loading.SourceFile], version: str,
                       results: list[pipeline.FileResult], with_shard: bool = True) -> str | None:
    """Check ``out_root/part-NNNNN`` against its manifest; returns the shard folder (None if empty).

    Checks: the manifest on disk describes the same partition as the task's answer (inputs,
    their hashes, keys, count, code version), every file it lists is there with its size and
    sha256, and the shard opens with exactly the manifest's document keys. Raises ClusterError.
    """
    from ..store import sharding

    name = entry.get("name", "?")
    folder = os.path.join(out_root, name)

    def fail(why: str):
        return ClusterError(f"Partition {name} in {out_root} does not match its manifest ({why}); "
                            "nothing was published")

    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as fh:
            on_disk = json.load(fh)
    except (OSError, ValueError) as e:
        raise fail(f"cannot read {MANIFEST}: {e}") from None
    for field_ in ("partition", "name", "version", "records", "keys", "shard"):
        if on_disk.get(field_) != entry.get(field_):
            raise fail(f"{field_} differs from the task's answer")
    if on_disk.get("version") != version:
        raise fail(f"written by {on_disk.get('version')}, this client runs {version}")
    if [i["key"] for i in on_disk.get("inputs", [])] != [s.key for s in sources]:
        raise fail("its inputs are not the files given to it")
    if [i["sha256"] for i in on_disk["inputs"]] != [r.sha256 for r in results]:
        raise fail("input hashes differ from the task's answer")
    if sum(len(r.records) for r in results) != on_disk["records"]:
        raise fail("record count differs from the task's answer")
    for rel, (size, digest) in on_disk.get("files", {}).items():
        path = os.path.join(folder, rel)
        try:
            if os.path.getsize(path) != size or fsutil.file_sha256(path) != digest:
                raise fail(f"{rel} changed after it was written")
        except OSError:
            raise fail(f"{rel} is missing") from None
    if on_disk["shard"] is None:
        if on_disk["records"] and with_shard:
            raise fail("records without a shard")
        return None
    shard = os.path.join(folder, on_disk["shard"])
    try:
        count, keys = sharding.shard_doc_count(shard), sorted(sharding.shard_keys(shard))
    except Exception as e:  # whoosh raises assorted errors on damaged files
        raise fail(f"the shard does not open: {type(e).__name__}") from None
    if count != on_disk["records"] or keys != on_disk["keys"]:
        raise fail(f"the shard holds {count} documents, the manifest lists {on_disk['records']}")
    return shard


# ----------------------------------------------------------------------------- the engine

def _host() -> str:
    return socket.gethostname().replace(".", "-") or "host"


def reclaim_host_shards(shards_dir: str) -> None:
    """Remove run folders that this host's dead runs left in a shared ``--shards`` folder (other
    hosts' folders are theirs to reclaim: a pid means nothing here)."""
    from ..store.sharding import SHARD_PREFIX, alive

    try:
        names = os.listdir(shards_dir)
    except OSError:
        return
    for name in names:
        pid, _, host = name[len(SHARD_PREFIX):].partition(".")
        if name.startswith(SHARD_PREFIX) and host == _host() and pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(os.path.join(shards_dir, name), ignore_errors=True)


# Where a LocalCluster's scheduler serves its HTTP endpoints (dashboard, /health, metrics): a free
# port on loopback. dashboard_address=None still binds Dask's fixed default, 8787 (and moves with a
# warning when another program holds it); ":0" would listen on every interface.
LOCAL_DASHBOARD = "127.0.0.1:0"


def _quiet_dask() -> None:
    """Dask logs worker restarts and retries at WARNING: ours to report, not the user's terminal."""
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _import_dask():
    try:
        import dask.distributed as dd
    except ImportError:
        raise BadValue('The dask engine needs Dask: pip install "searchlib[dask]"') from None
    return dd


class _Partitions:
    """What the Dask engine and the local partitions share: the input files split into partitions
    (``plan_partitions``), each task's answer checked against its folder (``validate_partition``)
    before its results are passed on, the manifest entries and the shard folders."""

    def __init__(self, sources: list[loading.SourceFile], shard_root: str, jobs: int | None = None,
                 partitions: int | None = None, write_shards: bool = True,
                 hook: Callable[[str], None] | None = None) -> None:
        self.sources, self.shard_root, self.jobs = list(sources), shard_root, jobs
        self.partitions, self.write_shards, self.hook = partitions, write_shards, hook
        self.version = code_version()
        self.parts: list[list[loading.SourceFile]] = []
        self.entries: list[dict] = []
        self._shards: list[str] = []

    def _plan(self, workers: int) -> None:
        self.parts = plan_partitions(self.sources, self.partitions or default_partitions(len(self.sources), workers))

    def _accept(self, number: int, answer: PartitionResult) -> list[pipeline.FileResult]:
        shard = validate_partition(self.shard_root, answer.entry, self.parts[number], self.version, answer.results,
                                   self.write_shards)
        self.entries.append(answer.entry)
        if shard:
            self._shards.append(shard)
        return answer.results

    def shards(self) -> list[str]:
        """The validated shard folders, in partition order (the order does not change any result)."""
        return sorted(self._shards)


class DaskEngine(_Partitions):
    """Derive and write shards on a Dask cluster (``scheduler`` address) or a LocalCluster.

    The engine contract of ``indexing.build_index``: workers start on ``__enter__`` (before the
    index write lock), iteration yields one FileResult per input file (records without their
    text, which is in the shards), ``shards()`` lists the validated shard folders to adopt, and
    ``__exit__`` stops the workers and, on error, removes the partition folders.

    Options: ``scheduler`` (address of a running scheduler; default: a LocalCluster of ``jobs``
    worker processes), ``partitions`` (default: ``default_partitions``), ``retries`` (per task,
    after an exception; a dead worker's task is re-run by the scheduler anyway), ``write_shards``
    (False: records only), ``hook`` (see ``run_partition``).
    """

    name = "dask"

    def __init__(self, sources: list[loading.SourceFile], shard_root: str, jobs: int | None = None,
                 scheduler: str | None = None, partitions: int | None = None, retries: int = 2,
                 write_shards: bool = True, hook: Callable[[str], None] | None = None, shards: str | None = None,
                 timeout: float = 15.0, **_options) -> None:
        super().__init__(sources, shard_root, jobs, partitions, write_shards, hook)
        self.shards_dir, self.timeout = shards, timeout
        if shards:  # storage every worker sees: this run's folder there, named after its host and pid
            self.shard_root = os.path.join(shards, f"{os.path.basename(shard_root)}.{_host()}")
        self.scheduler, self.retries = scheduler, retries
        self.client = self.cluster = None
        self.futures: list = []

    def __enter__(self) -> "DaskEngine":
        dd = _import_dask()
        _quiet_dask()
        try:
            if self.scheduler:
                try:
                    self.client = dd.Client(self.scheduler, timeout=self.timeout)
                except (OSError, TimeoutError, ValueError) as e:
                    raise BadValue(f"Cannot reach the Dask scheduler at {self.scheduler}: {e}") from None
            else:
                self.cluster = dd.LocalCluster(n_workers=self.jobs or os.cpu_count() or 1, threads_per_worker=1,
                                               processes=True, dashboard_address=LOCAL_DASHBOARD,
                                               silence_logs=logging.ERROR)
                self.client = dd.Client(self.cluster)
            workers = len(self.client.scheduler_info(n_workers=-1).get("workers", {})) or self.jobs or 1
            self._plan(workers)
            if self.shards_dir:
                reclaim_host_shards(self.shards_dir)
            os.makedirs(self.shard_root, exist_ok=True)
            run = uuid.uuid4().hex[:8]
            self.futures = [
                self.client.submit(run_partition, number, part, self.shard_root, self.version, self.write_shards,
                                   self.hook, key=f"searchlib-partition-{run}-{number:05d}", retries=self.retries,
                                   pure=False)
                for number, part in enumerate(self.parts)]
        except BaseException:
            self.__exit__(True, None, None)
            raise
        return self

    def __iter__(self) -> Iterator[pipeline.FileResult]:
        dd = _import_dask()
        number_of = {f.key: n for n, f in enumerate(self.futures)}
        for future in dd.as_completed(self.futures):
            number = number_of[future.key]
            try:
                answer = future.result()
            except ClusterError:
                raise
            except Exception as e:
                first = self.parts[number][0].path if self.parts[number] else "?"
                raise ClusterError(f"Partition {number} (from {loading.printable_name(first)}) failed on the Dask "
                                   f"cluster: {type(e).__name__}: {e}; nothing was published") from None
            results = self._accept(number, answer)
            future.release()
            yield from results

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.client is not None:
            if exc_type is not None and self.futures:
                try:
                    self.client.cancel(self.futures)
                except Exception:
                    pass
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
        if exc_type is not None or self.shards_dir:  # build_index removes only its own shard root
            _remove_tree(self.shard_root)


def _remove_tree(path: str, seconds: float = 3.0) -> None:
    """Remove a run's folder even while cancelled tasks still finish writing into it: a task
    creates its folder only inside an existing root, so once the root is gone it stays gone."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path) or time.monotonic() > deadline:
            return
        time.sleep(0.1)


def _run_task(_state, task: tuple) -> PartitionResult:
    return run_partition(*task)


class LocalPartitions(_Partitions):
    """The same partition tasks in the local worker pool (``processes.WorkerPool``, as the local
    engine and ``extract``): ``--records-only`` without Dask."""

    def __enter__(self) -> "LocalPartitions":
        jobs = self.jobs or os.cpu_count() or 1
        self._plan(jobs)
        os.makedirs(self.shard_root, exist_ok=True)
        self.pool = WorkerPool(jobs, _run_task).__enter__()
        return self

    def __iter__(self) -> Iterator[pipeline.FileResult]:
        tasks = ((n, part, self.shard_root, self.version, self.write_shards, self.hook)
                 for n, part in enumerate(self.parts))
        for number, answer in enumerate(self.pool.map(tasks, ordered=True)):
            yield from self._accept(number, answer)

    def __exit__(self, exc_type, exc, tb) -> None:
        self.pool.__exit__(exc_type, exc, tb)
        if exc_type is not None:
            _remove_tree(self.shard_root)


# ----------------------------------------------------------------------------- --records-only

@dataclass
class RecordsReport:
    out_dir: str
    partitions: int = 0
    records: int = 0
    failed: list[tuple[str, str]] | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{self.records} records in {self.partitions} partitions, {len(self.failed or [])} failed "
                f"({self.seconds:.1f}s) -> {self.out_dir}")

    def as_dict(self) -> dict:
        return {"records_dir": self.out_dir, "partitions": self.partitions, "records": self.records,
                "failed": [{"path": loading.printable_name(p), "reason": r} for p, r in self.failed or []],
                "seconds": round(self.seconds, 3)}


def write_records(paths: list[str], out_dir: str, engine: str = "local", jobs: int | None = None,
                  progress: Callable[[int, int], None] | None = None, **options) -> RecordsReport:
    """Derive every page under ``paths`` into ``out_dir/part-NNNNN/records.jsonl`` (no index).

    Each partition folder also holds its ``manifest.json``; ``out_dir/manifest.jsonl`` lists them
    all. Output of an earlier run in ``out_dir`` is replaced partition by partition.
    """
    import time

    started = time.monotonic()
    missing = [p for p in paths if not os.path.lexists(p)]
    if not paths or missing:
        raise BadValue(f"No such file or folder: {missing[0]}" if missing else "No corpus given")
    report = RecordsReport(out_dir, failed=[])
    sources = []
    for item in loading.iter_sources(paths):
        if isinstance(item, loading.LoadFailure):
            report.failed.append((item.path, item.reason))
        else:
            sources.append(item)
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise IndexIOError(f"Cannot write records to {out_dir}: {e.strerror or e}") from None
    engine_class = {"local": LocalPartitions, "dask": DaskEngine}[engine]
    with engine_class(sources, out_dir, jobs=jobs, write_shards=False, **options) as run:
        for done, result in enumerate(run, 1):
            report.records += len(result.records)
            report.failed.extend((f.path, f.reason) for f in result.failures)
            if progress:
                progress(done, len(sources))
        entries = sorted(run.entries, key=lambda e: e["partition"])
    report.partitions = len(entries)
    with open(os.path.join(out_dir, f".manifest.jsonl.{os.getpid()}"), "w", encoding="utf-8") as fh:
        for entry in entries:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    os.replace(fh.name, os.path.join(out_dir, "manifest.jsonl"))
    for name in os.listdir(out_dir):  # an earlier, larger run's partitions, and dead attempts
        number = name[5:] if name.startswith("part-") else ""
        stale = number.isdigit() and int(number) >= len(entries)
        if stale or (name.startswith(".part-") and (".tmp-" in name or ".old-" in name)):
            shutil.rmtree(os.path.join(out_dir, name), ignore_errors=True)
    report.seconds = time.monotonic() - started
    return report
