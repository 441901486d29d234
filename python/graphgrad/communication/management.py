"""mindspore.communication.management: the same functions under their older module name."""
from . import (GlobalComm, get_group_size, get_local_rank, get_local_rank_size, get_rank, init,  # noqa: F401
               release)
