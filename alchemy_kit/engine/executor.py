"""The one executor seam: run work in this process, or on a Dask cluster (`--cluster ADDRESS`).

What runs where:
- the client (this process) owns the SQLite store, reads the work, submits tasks and writes
  every result itself, on its own thread: one writer, as SQLite wants;
- workers receive plain data (ids, texts, model names) and return plain data (vectors as
  bytes); they never get the database path, which a remote worker could not open anyway;
- at most `max_in_flight` tasks are outstanding, so a 10M-row job keeps the client's memory flat;
- models load once per worker process (`worker_cached`), not once per task.

ADDRESS is `tcp://host:8786` (or `tls://…`) for a running `dask scheduler`, `local:N` for a
LocalCluster of N single-threaded worker processes on this machine, or an existing
`distributed.Client`. `ALCHEMY_CLUSTER` gives the default; none runs everything in-process as
before. dask is imported only here, and only when a cluster is asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import AlchemyError, ClusterError

CLUSTER_ENV = "ALCHEMY_CLUSTER"
# How long connecting to a scheduler may take before `--cluster` fails with one line.
CONNECT_TIMEOUT = 10.0
# Tasks outstanding per worker thread: enough to hide a round trip, few enough to stay flat.
IN_FLIGHT_PER_THREAD = 4
# A task that raises is tried this many more times (a worker that dies is handled by Dask itself:
# its in-flight tasks are rescheduled on the others).
TASK_RETRIES = 2
MAX_LOCAL_WORKERS = 256

_LOCAL = re.compile(r"local:(\d+)")
_REMOTE = re.compile(r"(tcp|tls|ucx|inproc)://[^\s/]+")

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ClusterAddress:
    """A parsed `--cluster` value: a scheduler to connect to, or N local worker processes."""

    address: str
    local_workers: int | None = None  # set for local:N


def parse_cluster(value: str | None) -> ClusterAddress | None:
    """Parse `--cluster`; None falls back to $ALCHEMY_CLUSTER, and empty or "none" means in-process."""
    if value is None:
        value = os.environ.get(CLUSTER_ENV)
    text = (value or "").strip()
    if not text or text.lower() in ("none", "off"):
        return None
    if m := _LOCAL.fullmatch(text):
        n = int(m.group(1))
        if not 1 <= n <= MAX_LOCAL_WORKERS:
            raise ClusterError(f"local:N needs 1 <= N <= {MAX_LOCAL_WORKERS} workers, got {n}")
        return ClusterAddress(text, n)
    if _REMOTE.fullmatch(text):
        return ClusterAddress(text)
    raise ClusterError(
        f"--cluster {text!r} is not a cluster address: use tcp://host:8786 for a running "
        "`dask scheduler`, or local:N for N worker processes on this machine"
    )


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ClusterError(
            "--cluster needs Dask distributed: pip install 'alchemy-kit[cluster]'"
        ) from exc
    return distributed


class Executor:
    """Runs a function over items in-process or on a Dask cluster, results as they complete.

    Use as a context manager: a cluster started for `local:N` is shut down on exit, a client
    handed in by the caller is left open.
    """

    def __init__(
        self,
        cluster: str | Any | None = None,
        *,
        timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self.client: Any = None
        self._owned: list[Any] = []  # what we started and must close
        self.peak_in_flight = 0  # the most tasks ever outstanding, for tests and benchmarks
        self._pending: Any = None  # the running map's as_completed, so amap can cancel it
        if cluster is not None and not isinstance(cluster, str):
            self.client = cluster  # a distributed.Client the caller already has
            return
        address = parse_cluster(cluster)
        if address is None:
            return
        distributed = _import_distributed()
        try:
            if address.local_workers is not None:
                import logging

                local = distributed.LocalCluster(
                    n_workers=address.local_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # a free port: several clusters may share a machine
                    silence_logs=logging.ERROR,
                )
                self._owned.append(local)
                self.client = distributed.Client(local, timeout=timeout)
            else:
                self.client = distributed.Client(address.address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address.address} within {timeout:g} s"
                f" ({type(exc).__name__})"
            ) from exc
        self._owned.insert(0, self.client)

    @property
    def distributed(self) -> bool:
        """True when tasks run on a cluster rather than in this process."""
        return self.client is not None

    @property
    def dashboard_link(self) -> str | None:
        """The Dask dashboard's URL, when there is a cluster."""
        if self.client is None:
            return None
        return str(self.client.dashboard_link)

    @property
    def threads(self) -> int:
        """Worker threads available (1 in-process)."""
        if self.client is None:
            return 1
        info = self.client.scheduler_info(n_workers=-1) if _takes_n_workers() else None
        if info is None:
            info = self.client.scheduler_info()
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        max_in_flight: int | None = None,
        retries: int = TASK_RETRIES,
    ) -> Iterator[R]:
        """Yield fn(item) for every item, in completion order, with at most max_in_flight outstanding.

        Items are pulled lazily, so a generator of pages is read only as fast as results return.
        A task that still fails after `retries` raises here; results already yielded stay yielded.
        """
        if self.client is None:
            for item in items:
                self.peak_in_flight = max(self.peak_in_flight, 1)
                yield fn(item)
            return
        distributed = _import_distributed()
        limit = max_in_flight or IN_FLIGHT_PER_THREAD * self.threads
        if limit < 1:
            raise ClusterError(f"max_in_flight must be >= 1, got {limit}")
        source = iter(items)
        pending = self._pending = distributed.as_completed()
        outstanding = 0

        def submit_next() -> bool:
            nonlocal outstanding
            for item in source:
                pending.add(self.client.submit(fn, item, pure=False, retries=retries))
                outstanding += 1
                self.peak_in_flight = max(self.peak_in_flight, outstanding)
                return True
            return False

        try:
            while outstanding < limit and submit_next():
                pass
            for future in pending:
                outstanding -= 1
                try:
                    result = future.result()
                finally:
                    future.release()
                submit_next()
                yield result
        finally:
            # Stopped early (an error, or the caller gave up): cancel what is still queued.
            for future in list(pending.futures):
                future.cancel()

    async def amap(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        max_in_flight: int | None = None,
        retries: int = TASK_RETRIES,
    ) -> AsyncIterator[R]:
        """`map` for a coroutine: results arrive on the caller's event loop, which stays free.

        The blocking `map` runs on a helper thread that only hands results over; whatever the
        caller does with them (the store's writes) stays on the caller's thread.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        stop = threading.Event()

        def post(kind: str, value: Any) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody is listening
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

        def pump() -> None:
            try:
                for result in self.map(fn, items, max_in_flight=max_in_flight, retries=retries):
                    post("result", result)
                    if stop.is_set():
                        return
            except BaseException as exc:  # handed to the caller, raised there
                post("error", exc)
            else:
                post("end", None)

        thread = threading.Thread(target=pump, name="alchemy-cluster-results", daemon=True)
        thread.start()
        try:
            while True:
                kind, value = await queue.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise value
                yield value
        finally:
            stop.set()
            if self._pending is not None:  # stopped early: cancel what is still queued
                for future in list(self._pending.futures):
                    future.cancel()
            thread.join(timeout=CONNECT_TIMEOUT)

    def close(self) -> None:
        """Close the client and any LocalCluster this executor started."""
        for thing in self._owned:
            # Best effort: the job's results are already stored.
            with contextlib.suppress(Exception):
                thing.close()
        self._owned.clear()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def print_dashboard(link: str) -> None:
    """Print the Dask dashboard's link (in a notebook, a cell output with a link to click)."""
    print(f"Dask dashboard: {link}")


@contextlib.contextmanager
def connect(
    cluster: str | Any | None,
    *,
    work: bool,
    replay: bool,
    warnings: list[str],
    on_dashboard: Callable[[str], None] | None = None,
) -> Iterator[Executor | None]:
    """The cluster a run goes to, or None to run here: none asked for (`cluster`, else
    $ALCHEMY_CLUSTER), nothing to run, or a replay (no model calls to distribute; said in
    `warnings`). `on_dashboard(link)` hears the Dask dashboard's link once connected."""
    asked = cluster is not None and not isinstance(cluster, str)
    asked = asked or parse_cluster(cluster) is not None
    if asked and replay:
        warnings.append("a replay makes no model calls: it ran in-process, not on the cluster")
    if not (asked and work and not replay):
        yield None
        return
    with Executor(cluster) as executor:
        if on_dashboard is not None:
            on_dashboard(str(executor.dashboard_link))
        yield executor


def _takes_n_workers() -> bool:
    """Newer distributed lists only 5 workers in scheduler_info() unless asked for all."""
    import inspect

    distributed = _import_distributed()
    return "n_workers" in inspect.signature(distributed.Client.scheduler_info).parameters


# ---------------------------------------------------------------------------------------------
# Worker side: models loaded once per worker process
# ---------------------------------------------------------------------------------------------

_cache: dict[Any, Any] = {}
_cache_lock = threading.Lock()


def worker_cached(key: Any, factory: Callable[[], T]) -> T:
    """Return the object cached under `key` in this process, building it on first use.

    Runs inside each worker process, so an ONNX session or a GGUF model loads once per worker
    and every later task reuses it. Keys are model names and settings, never API keys.
    """
    with _cache_lock:
        if key not in _cache:
            _cache[key] = factory()
        return _cache[key]  # type: ignore[no-any-return,unused-ignore]


def clear_worker_cache() -> None:
    """Forget the models cached in this process (tests)."""
    with _cache_lock:
        _cache.clear()


class ProviderKeys:
    """API keys a task's providers need: never shown, never written.

    The client puts in only the keys of the providers a task calls; a worker applies them to its
    environment for the duration of that task (`applied`) and removes them after. The repr names
    the providers only, so a task that Dask logs on failure shows no key.
    """

    def __init__(self, keys: dict[str, tuple[str, str]] | None = None) -> None:
        self._keys = dict(keys or {})  # provider → (environment variable, key)

    def __repr__(self) -> str:
        return f"ProviderKeys({', '.join(sorted(self._keys)) or 'none'})"

    def __bool__(self) -> bool:
        return bool(self._keys)

    def only(self, providers: Iterable[str]) -> ProviderKeys:
        """The keys of these providers alone."""
        wanted = set(providers)
        return ProviderKeys({p: k for p, k in self._keys.items() if p in wanted})

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        """Set the keys in this worker's environment for one task (a key set there already wins)."""
        mine: list[str] = []
        with _keys_lock:
            for name, value in self._keys.values():
                if name in _key_users:
                    _key_users[name] += 1
                    mine.append(name)
                elif name not in os.environ:
                    os.environ[name] = value
                    _key_users[name] = 1
                    mine.append(name)
        try:
            yield
        finally:
            with _keys_lock:
                for name in mine:
                    _key_users[name] -= 1
                    if not _key_users[name]:
                        del _key_users[name]
                        os.environ.pop(name, None)


_keys_lock = threading.Lock()
_key_users: dict[str, int] = {}  # env var → tasks using the key we set: the last one removes it


def provider_keys(choices: Iterable[Any]) -> ProviderKeys:
    """The keys (as llm finds them on the client) of the providers among `choices` that need one."""
    from ..models.keys import provider_key

    found: dict[str, tuple[str, str]] = {}
    for choice in choices:
        provider = getattr(choice, "provider", "")
        if provider not in found and (pair := provider_key(provider)) is not None:
            found[provider] = pair
    return ProviderKeys(found)


def describe_failure(exc: BaseException) -> str:
    """One line for a task that failed on a worker (typed errors keep their message)."""
    if isinstance(exc, AlchemyError):
        return str(exc)
    return f"a cluster task failed: {type(exc).__name__}: {exc}"


__all__ = [
    "CLUSTER_ENV",
    "CONNECT_TIMEOUT",
    "ClusterAddress",
    "Executor",
    "ProviderKeys",
    "clear_worker_cache",
    "connect",
    "describe_failure",
    "parse_cluster",
    "print_dashboard",
    "provider_keys",
    "worker_cached",
]
