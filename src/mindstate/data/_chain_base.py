"""What every non-EEG signal chain shares: saving, restoring and copying its state.

A chain lists its constructor arguments (``_params``), its fitted arrays (``_fitted``, dropped
by :meth:`ChainBase.unfitted`) and the facts it learns from the first record it sees
(``_learned``, e.g. the stream rates; kept by ``unfitted`` because they are part of the input
contract).
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

import numpy as np

__all__ = ["ChainBase"]

C = TypeVar("C", bound="ChainBase")


class ChainBase:
    """Base of :class:`PhysioChain`, :class:`TextChain` and :class:`HMSChain`."""

    kind: ClassVar[str]
    _params: ClassVar[tuple[str, ...]] = ()
    _fitted: ClassVar[tuple[str, ...]] = ()
    _learned: ClassVar[tuple[str, ...]] = ()

    def fit(self: C, X: Any) -> C:
        """Fit statistics on training windows (nothing to fit unless a subclass says so).

        Parameters
        ----------
        X : dict of str to ndarray
            Training windows.

        Returns
        -------
        self
            The chain.
        """
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready configuration, learned facts and fitted state.

        Returns
        -------
        dict
            Round-trips through :meth:`from_dict`.
        """
        state: dict[str, Any] = {"kind": self.kind}
        state.update({k: getattr(self, k) for k in self._params})
        for k in self._learned:
            if hasattr(self, k):
                state[k] = getattr(self, k)
        for k in self._fitted:
            if hasattr(self, k):
                state[k] = np.asarray(getattr(self, k)).tolist()
        return state

    @classmethod
    def from_dict(cls: type[C], state: dict[str, Any]) -> C:
        """Rebuild a chain from :meth:`to_dict` output.

        Parameters
        ----------
        state : dict
            The saved state.

        Returns
        -------
        chain
            The chain, with its learned and fitted state.
        """
        chain = cls(**{k: state[k] for k in cls._params if k in state})
        for k in cls._learned:
            if k in state:
                setattr(chain, k, state[k])
        for k in cls._fitted:
            if k in state:
                setattr(chain, k, np.asarray(state[k], dtype=np.float64))
        return chain

    def unfitted(self: C) -> C:
        """A copy without fitted statistics (keeps the configuration and learned facts).

        Returns
        -------
        chain
            The copy, ready for :meth:`fit` on another training split.
        """
        return type(self).from_dict({k: v for k, v in self.to_dict().items()
                                     if k not in self._fitted})
