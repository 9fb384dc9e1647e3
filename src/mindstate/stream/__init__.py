"""mindstate.stream stage."""

from .align import OnlineAligner
from .filters import (
    StreamingBandpass,
    StreamingChain,
    StreamingFilter,
    StreamingNotch,
    StreamingResampler,
)

__all__ = [
    "OnlineAligner", "StreamingBandpass", "StreamingChain", "StreamingFilter", "StreamingNotch",
    "StreamingResampler",
]
