"""mindstate.stream stage."""

from .filters import (
    StreamingBandpass,
    StreamingChain,
    StreamingFilter,
    StreamingNotch,
    StreamingResampler,
)

__all__ = [
    "StreamingBandpass", "StreamingChain", "StreamingFilter", "StreamingNotch",
    "StreamingResampler",
]
