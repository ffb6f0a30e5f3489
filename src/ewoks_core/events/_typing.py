from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .record import Event as EventLike
else:
    EventLike = Any
