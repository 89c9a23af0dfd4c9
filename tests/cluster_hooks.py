"""Worker plugins for tests/test_cluster.py: they change what a Dask node does, inside the node's own
process (a node dies while reading, is of another version, cannot see the inbox). Registered on a
LocalCluster's nodes and pickled by value (cloudpickle.register_pickle_by_value), so the nodes need
not import the tests; each puts back what it changed when it is unregistered."""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

Factory = Callable[[Callable], Callable]      # the original attribute → its replacement


class Patch(WorkerPlugin):
    """Replace `module.attribute` on every node by `factory(original)`; undone on teardown."""

    def __init__(self, patches: list[tuple[str, str, Factory]]) -> None:
        self.patches = patches
        self.saved: list[tuple[object, str, object]] = []

    def setup(self, worker) -> None:
        for module_name, attribute, factory in self.patches:
            module = importlib.import_module(module_name)
            original = getattr(module, attribute)
            self.saved.append((module, attribute, original))
            setattr(module, attribute, factory(original))

    def teardown(self, worker) -> None:
        for module, attribute, original in reversed(self.saved):
            setattr(module, attribute, original)
        self.saved.clear()


# For auditor.cluster.shards.read_and_pack, which a shard calls for each of its files.

def die_once(marker: str) -> Factory:
    """The first file any node reads kills that node mid-shard (the marker file says it happened)."""
    def factory(read_and_pack):
        def dying(path, shown=None, sent=None):
            if not os.path.exists(marker):
                Path(marker).write_text(str(os.getpid()))
                os._exit(1)
            return read_and_pack(path, shown, sent)
        return dying
    return factory


def die_on(name_part: str) -> Factory:
    """A file whose name contains `name_part` kills the node reading it, every time."""
    def factory(read_and_pack):
        def dying(path, shown=None, sent=None):
            if name_part in (shown or str(path)):
                os._exit(1)
            return read_and_pack(path, shown, sent)
        return dying
    return factory


def other_version(package: str, fake: str) -> Factory:
    """The node's identity with `package` at version `fake`."""
    def factory(identity):
        def changed():
            return tuple((what, fake if what == package else version) for what, version in identity())
        return changed
    return factory


def blind() -> Factory:
    """The node sees no file by its path (no shared storage)."""
    def factory(visible):
        def nothing(path):
            return False
        return nothing
    return factory
