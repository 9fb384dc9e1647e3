"""A small name → object registry reused for models, datasets, features, losses, explainers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from ._validation import suggest

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Map names to objects, with explicit registration and helpful lookup errors.

    Parameters
    ----------
    kind : str
        What is registered (``"model"``, ``"reader"`` ...), used in messages.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering an object under ``name`` (a duplicate raises ``ValueError``)."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"{self.kind} name must be a non-empty str; got {name!r}.")

        def decorator(obj: T) -> T:
            self.add(name, obj)
            return obj

        return decorator

    def add(self, name: str, obj: T) -> None:
        """Register ``obj`` under ``name`` (``ValueError`` if taken)."""
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is already registered.")
        self._items[name] = obj

    def get(self, name: str) -> T:
        """Return the object registered as ``name``; ``ValueError`` with a suggestion otherwise."""
        if not isinstance(name, str):
            raise TypeError(f"{self.kind} name must be a str; got {name!r}.")
        try:
            return self._items[name]
        except KeyError:
            hint = suggest(name, self._items)
            avail = ", ".join(sorted(self._items)) or "(none)"
            raise ValueError(
                f"Unknown {self.kind} {name!r}.{hint} Available: {avail}."
            ) from None

    def names(self) -> list[str]:
        """Sorted registered names."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"
