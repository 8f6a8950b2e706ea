"""The table's entries, one module per op family or feature; importing this fills `TABLE`."""

from . import (autograd, comparison, creation, elementwise, indexing, inplace,  # noqa: F401
               linalg, reduction, saving, shape, sorting)
from . import data  # noqa: F401,E402
from . import modules  # noqa: F401,E402  (nn families add modules_<family> here)
from . import modules_conv  # noqa: F401,E402
from . import modules_activation, modules_loss  # noqa: F401,E402
from . import modules_recurrent  # noqa: F401,E402
from . import optim  # noqa: F401,E402
