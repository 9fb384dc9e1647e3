"""Names of the 10-20 scalp electrodes, shared by the simulators, readers and preprocessing.

The 10-20 system renamed four temporal/parietal sites: the *old* names ``T3/T4/T5/T6``
(clinical montages, HMS, EEGMAT) are the *new* 10-10 names ``T7/T8/P7/P8``. Each stage
re-exports these tables under its own public names
(:data:`mindstate.simulate.eeg.STANDARD_1020`,
:data:`mindstate.preprocess.montage.STANDARD_1020` and ``CHANNEL_ALIASES``).
"""

from __future__ import annotations

__all__ = ["NEW_TO_OLD_1020", "OLD_TO_NEW_1020", "STANDARD_1020"]

#: The 19 electrodes of the international 10-20 system (old temporal names).
STANDARD_1020: tuple[str, ...] = (
    "Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T3", "C3", "Cz",
    "C4", "T4", "T5", "P3", "Pz", "P4", "T6", "O1", "O2",
)

#: New 10-10 names mapped to the old 10-20 names of the same sites.
NEW_TO_OLD_1020: dict[str, str] = {"T7": "T3", "T8": "T4", "P7": "T5", "P8": "T6"}

#: Old 10-20 names mapped to the new 10-10 names of the same sites.
OLD_TO_NEW_1020: dict[str, str] = {old: new for new, old in NEW_TO_OLD_1020.items()}
