"""The shared 10-20 name tables and the stage tables built from them."""

from __future__ import annotations

from mindstate.features.asymmetry import _find
from mindstate.io.channels import NEW_TO_OLD_1020, OLD_TO_NEW_1020, STANDARD_1020
from mindstate.preprocess import CHANNEL_ALIASES as ARTIFACT_ALIASES
from mindstate.preprocess import montage
from mindstate.simulate import eeg


def test_tables_are_inverse_and_shared():
    assert NEW_TO_OLD_1020 == {"T7": "T3", "T8": "T4", "P7": "T5", "P8": "T6"}
    assert OLD_TO_NEW_1020 == {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}
    assert len(STANDARD_1020) == 19 and set(NEW_TO_OLD_1020.values()) <= set(STANDARD_1020)
    assert eeg.STANDARD_1020 is STANDARD_1020 and montage.STANDARD_1020 is STANDARD_1020
    assert set(eeg.CHANNEL_POSITIONS) == set(STANDARD_1020)


def test_stage_aliases_keep_their_direction():
    # montage normalises to the old names; artifacts looks positions up under the new ones
    assert montage.CHANNEL_ALIASES == NEW_TO_OLD_1020
    assert ARTIFACT_ALIASES == {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8",
                                "CB1": "O9", "CB2": "O10"}
    assert montage.normalize_channel_names(["t7", "P8"]) == ["T3", "T6"]
    # asymmetry matches either spelling
    assert _find("T3", {"T7": 0}) == 0 and _find("p8", {"T6": 4}) == 4
