"""The torch-named core ops that the standard's functions are built from (what `arraygrad`
exports, taken from core itself, so this package never imports the package's face)."""

from __future__ import annotations

from ..creation import *  # noqa: F403
from ..dtypes import float64, promote_types  # noqa: F401
from ..grad_mode import is_grad_enabled, no_grad  # noqa: F401
from ..ops.comparison import *  # noqa: F403
from ..ops.complex import *  # noqa: F403
from ..ops.elementwise import *  # noqa: F403
from ..ops.elementwise import pow  # noqa: F401
from ..ops.indexing import *  # noqa: F403
from ..ops.joining import *  # noqa: F403
from ..ops.linalg import *  # noqa: F403
from ..ops.masking import *  # noqa: F403
from ..ops.rearranging import *  # noqa: F403
from ..ops.reduction import *  # noqa: F403
from ..ops.reduction import sum  # noqa: F401
from ..ops.repeat_interleave import repeat_interleave  # noqa: F401
from ..ops.scatter import *  # noqa: F403
from ..ops.shape import *  # noqa: F403
from ..ops.sorting import *  # noqa: F403
